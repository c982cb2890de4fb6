/**
 * Packets over a Link: SLIP-frames what the loader writes, and turns whatever the link delivers
 * into whole packets, keeping the bytes seen between packets (a ROM boot log, a baud mismatch's
 * garbage) so the connect logic can tell "wrong boot mode" from "nothing at all".
 * One channel per session: it holds the decoder's partial packet, never shared between boards.
 */
import type { Link } from '../serial/link';
import { SlipDecoder, slipEncode } from './slip';

/** Keep at most this much boot log; a chatty app can print forever. */
const MAX_STRAY_BYTES = 8192;

export class SlipChannel {
  private readonly decoder = new SlipDecoder();
  private readonly queue: Uint8Array[] = [];
  private queueHead = 0;
  private stray: Uint8Array[] = [];
  private strayLength = 0;
  /** Packets dropped because of a broken escape sequence (corruption on the wire). */
  malformed = 0;

  constructor(readonly link: Link) {}

  async writePacket(payload: Uint8Array): Promise<void> {
    await this.link.write(slipEncode(payload));
  }

  /** The next packet, or null when none arrived within timeoutMs. */
  async readPacket(timeoutMs: number): Promise<Uint8Array | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const packet = this.shift();
      if (packet) return packet;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return null;
      const bytes = await this.link.read(remaining);
      if (bytes.length > 0) this.feed(bytes);
    }
  }

  /** Reads until the line stays quiet for quietMs (or maxMs passed), keeping packets and stray bytes. */
  async settle(quietMs: number, maxMs = quietMs * 20): Promise<void> {
    const deadline = Date.now() + maxMs;
    while (Date.now() < deadline) {
      const bytes = await this.link.read(Math.min(quietMs, Math.max(1, deadline - Date.now())));
      if (bytes.length === 0) return;
      this.feed(bytes);
    }
  }

  /** Drops everything received so far: queued packets, a partial packet, unread bytes. */
  flushInput(): void {
    this.link.discardInput();
    this.decoder.reset();
    this.queue.length = 0;
    this.queueHead = 0;
  }

  /** Bytes seen outside packets since the last call (decoded as Latin-1 text by callers). */
  takeStray(): Uint8Array {
    const out = new Uint8Array(this.strayLength);
    let offset = 0;
    for (const chunk of this.stray) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    this.stray = [];
    this.strayLength = 0;
    return out;
  }

  private shift(): Uint8Array | undefined {
    if (this.queueHead >= this.queue.length) {
      if (this.queue.length > 0) {
        this.queue.length = 0;
        this.queueHead = 0;
      }
      return undefined;
    }
    const packet = this.queue[this.queueHead];
    this.queueHead += 1;
    return packet;
  }

  private feed(bytes: Uint8Array): void {
    const chunk = this.decoder.push(bytes);
    for (const packet of chunk.packets) this.queue.push(packet);
    this.malformed += chunk.malformed;
    if (chunk.stray.length > 0) {
      this.stray.push(chunk.stray);
      this.strayLength += chunk.stray.length;
      while (this.strayLength > MAX_STRAY_BYTES && this.stray.length > 1) {
        this.strayLength -= this.stray.shift()!.length;
      }
    }
  }
}
