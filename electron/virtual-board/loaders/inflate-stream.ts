import { constants, createInflate, type Inflate } from 'node:zlib';

/**
 * Decompresses a zlib stream that arrives in blocks (FLASH_DEFL_DATA), handing out the output as it
 * appears. push() resolves once everything decompressible from that block has come out, so the
 * loader can reply (ROM) or the next command can run (stub) knowing flash is up to date.
 */
export interface InflateResult {
  /** The compressed data was invalid. */
  error: boolean;
  /** The zlib stream is complete (its Adler-32 trailer was read). */
  ended: boolean;
}

export class InflateStream {
  private readonly inflate: Inflate;
  private errored = false;
  private ended = false;
  private waiting: Array<() => void> = [];

  constructor(onOutput: (chunk: Uint8Array) => void) {
    this.inflate = createInflate();
    this.inflate.on('data', (chunk: Buffer) => onOutput(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    this.inflate.on('error', () => {
      this.errored = true;
      this.wake();
    });
    this.inflate.on('end', () => {
      this.ended = true;
      this.wake();
    });
  }

  get state(): InflateResult {
    return { error: this.errored, ended: this.ended };
  }

  push(data: Uint8Array): Promise<InflateResult> {
    if (this.errored || this.ended || data.length === 0) return Promise.resolve(this.state);
    return new Promise((resolve) => {
      const done = (): void => resolve(this.state);
      this.waiting.push(done);
      this.inflate.write(Buffer.from(data.buffer, data.byteOffset, data.length));
      this.inflate.flush(constants.Z_SYNC_FLUSH, () => {
        // 'data' events for this block have been emitted before the flush callback runs.
        this.waiting = this.waiting.filter((w) => w !== done);
        done();
      });
    });
  }

  destroy(): void {
    this.inflate.removeAllListeners('data');
    this.inflate.on('error', () => undefined);
    this.inflate.destroy();
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w();
  }
}
