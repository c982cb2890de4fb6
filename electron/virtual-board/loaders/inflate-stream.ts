import { constants, Inflate } from 'pako';

/**
 * Decompresses a zlib stream that arrives in blocks (FLASH_DEFL_DATA), handing out the output as it
 * appears. Synchronous, like the chip's own inflater (miniz's tinfl): push() returns once
 * everything decodable from the block has come out, and says whether the stream's end (its
 * Adler-32 trailer) has been read, which the stub needs to tell "done" from "too much data".
 * Node's zlib streams cannot say that without being ended, so this uses pako.
 */
export interface InflateResult {
  /** The compressed data was invalid. */
  error: boolean;
  /** The zlib stream is complete (its Adler-32 trailer was read). */
  ended: boolean;
}

export class InflateStream {
  private readonly inflate = new Inflate();
  private errored = false;
  private ended = false;
  private destroyed = false;

  constructor(onOutput: (chunk: Uint8Array) => void) {
    this.inflate.onData = (chunk) => {
      if (!this.destroyed) onOutput(chunk as Uint8Array);
    };
    this.inflate.onEnd = (status) => {
      if (status === constants.Z_OK) this.ended = true;
      else this.errored = true;
    };
  }

  get state(): InflateResult {
    return { error: this.errored, ended: this.ended };
  }

  push(data: Uint8Array): InflateResult {
    if (this.errored || this.ended || this.destroyed || data.length === 0) return this.state;
    this.inflate.push(data, constants.Z_SYNC_FLUSH);
    return this.state;
  }

  /** No more output is handed out (the session was abandoned). */
  destroy(): void {
    this.destroyed = true;
  }
}
