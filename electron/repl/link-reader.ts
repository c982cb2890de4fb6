import type { Link } from '../serial/link';
import { ReplTimeoutError } from './errors';

/**
 * Buffered reads over a Link for a line-less protocol: read until a marker, read N bytes,
 * look at what already arrived without waiting. Timeouts count silence, not total time (a
 * program that keeps printing is alive), as MicroPython tools do.
 */
export class LinkReader {
  private buffered: Uint8Array = new Uint8Array(0);

  constructor(private readonly link: Link) {}

  /** Bytes received and not yet consumed. */
  get available(): number {
    return this.buffered.length;
  }

  /** Reads until `marker`; returns what came before it and consumes the marker too. */
  async readUntil(
    marker: Uint8Array | string,
    timeoutMs: number,
    what: string,
    onData?: (bytes: Uint8Array) => void,
    /** A limit on the whole wait, for a board that keeps printing and never sends the marker. */
    totalMs?: number,
  ): Promise<Uint8Array> {
    const needle = typeof marker === 'string' ? latin1(marker) : marker;
    const deadline = totalMs === undefined ? Infinity : Date.now() + totalMs;
    let searchFrom = 0;
    let reported = 0;
    for (;;) {
      const at = indexOf(this.buffered, needle, searchFrom);
      if (at >= 0) {
        if (onData && at > reported) onData(this.buffered.slice(reported, at));
        const before = this.buffered.slice(0, at);
        this.buffered = this.buffered.slice(at + needle.length);
        return before;
      }
      // Pass on what cannot be the start of the marker.
      const safe = Math.max(0, this.buffered.length - needle.length + 1);
      if (onData && safe > reported) {
        onData(this.buffered.slice(reported, safe));
        reported = safe;
      }
      searchFrom = safe;
      const left = deadline - Date.now();
      if (left <= 0) throw new ReplTimeoutError(what, totalMs ?? timeoutMs);
      await this.fill(Math.min(timeoutMs, left), what);
    }
  }

  async readExactly(count: number, timeoutMs: number, what: string): Promise<Uint8Array> {
    while (this.buffered.length < count) await this.fill(timeoutMs, what);
    const bytes = this.buffered.slice(0, count);
    this.buffered = this.buffered.slice(count);
    return bytes;
  }

  /** The next byte if one arrived already (or within waitMs), else undefined. */
  async poll(waitMs = 0): Promise<number | undefined> {
    if (this.buffered.length === 0) {
      const bytes = await this.link.read(waitMs);
      if (bytes.length > 0) this.append(bytes);
    }
    if (this.buffered.length === 0) return undefined;
    const byte = this.buffered[0]!;
    this.buffered = this.buffered.subarray(1);
    return byte;
  }

  /** Reads and drops everything until the line stays quiet for quietMs (or maxMs passed). */
  async drain(quietMs: number, maxMs: number): Promise<Uint8Array> {
    const dropped: Uint8Array[] = [this.buffered];
    this.buffered = new Uint8Array(0);
    const deadline = Date.now() + maxMs;
    while (Date.now() < deadline) {
      const bytes = await this.link.read(Math.min(quietMs, Math.max(1, deadline - Date.now())));
      if (bytes.length === 0) break;
      dropped.push(bytes);
    }
    return concat(dropped);
  }

  private async fill(timeoutMs: number, what: string): Promise<void> {
    const bytes = await this.link.read(timeoutMs);
    if (bytes.length === 0) throw new ReplTimeoutError(what, timeoutMs);
    this.append(bytes);
  }

  private append(bytes: Uint8Array): void {
    this.buffered = this.buffered.length === 0 ? bytes.slice() : concat([this.buffered, bytes]);
  }
}

export function latin1(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  if (needle.length === 0) return from;
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
