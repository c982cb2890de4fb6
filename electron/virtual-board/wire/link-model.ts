/**
 * One direction of the serial link. Every byte costs 10 bit times (start, 8 data, stop) at the
 * sender's baud, bytes queue behind each other, and each arrives `latencyMs` after its last bit
 * left (the USB adapter's latency). Delivery times are computed from absolute timestamps, so timer
 * jitter never accumulates; a timer only wakes the pump, which hands over everything due by then,
 * in batches (whole short packets, a few milliseconds' worth of a long transfer).
 *
 * With no model (`null`) bytes are still delivered asynchronously and in order, but at once.
 */
export interface LinkTiming {
  latencyMs: number;
}

export type Deliver = (bytes: Uint8Array, senderBaud: number) => void;

interface Segment {
  bytes: Uint8Array;
  baud: number;
  /** When the first bit starts (ms, performance clock). */
  start: number;
  byteMs: number;
  delivered: number;
  after: (() => void) | undefined;
}

/** A long transfer is handed over at least this often, so readers see progress. */
const MAX_BATCH_MS = 4;

export class Wire {
  private readonly segments: Segment[] = [];
  private busyUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private closed = false;
  /** Bytes handed to send() so far. */
  bytesSent = 0;

  constructor(
    private readonly timing: LinkTiming | null,
    private readonly deliver: Deliver,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /**
   * Queues bytes at the sender's current baud; `after` runs once the last of them was delivered
   * (used to time faults such as an unplug at the Nth byte).
   */
  send(bytes: Uint8Array, baud: number, after?: () => void): void {
    if (this.closed) return;
    this.bytesSent += bytes.length;
    const now = this.clock();
    const byteMs = 10_000 / baud;
    const start = Math.max(now, this.busyUntil);
    this.busyUntil = start + bytes.length * byteMs;
    this.segments.push({ bytes, baud, start, byteMs, delivered: 0, after });
    this.arm();
  }

  /** When the wire will have sent everything queued so far (ms, performance clock). */
  get idleAt(): number {
    return Math.max(this.busyUntil, this.clock());
  }

  /** Drops everything in flight (power loss, cable pulled). */
  clear(): void {
    this.segments.length = 0;
    this.busyUntil = 0;
    this.disarm();
  }

  close(): void {
    this.closed = true;
    this.clear();
  }

  private arm(): void {
    if (this.timing === null) {
      if (!this.immediate) this.immediate = setImmediate(() => this.flushAll());
      return;
    }
    if (this.timer) return;
    const head = this.segments[0];
    if (!head) return;
    const latency = this.timing.latencyMs;
    const lastDue = head.start + head.bytes.length * head.byteMs + latency;
    const nextDue = head.start + (head.delivered + 1) * head.byteMs + latency;
    const now = this.clock();
    const wake = Math.max(nextDue, Math.min(lastDue, now + MAX_BATCH_MS));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, Math.max(0, wake - now));
    this.timer.unref?.();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
  }

  private pump(): void {
    const latency = this.timing?.latencyMs ?? 0;
    const now = this.clock();
    while (this.segments.length > 0) {
      const seg = this.segments[0] as Segment;
      const due = Math.min(seg.bytes.length, Math.floor((now - latency - seg.start) / seg.byteMs + 1e-9));
      if (due > seg.delivered) {
        const chunk = seg.bytes.subarray(seg.delivered, due);
        seg.delivered = due;
        this.hand(chunk, seg.baud);
      }
      if (seg.delivered < seg.bytes.length) break;
      this.segments.shift();
      seg.after?.();
      if (this.closed) return;
    }
    this.arm();
  }

  private flushAll(): void {
    this.immediate = null;
    while (this.segments.length > 0) {
      const seg = this.segments.shift() as Segment;
      this.hand(seg.bytes, seg.baud);
      seg.after?.();
      if (this.closed) return;
    }
  }

  private hand(bytes: Uint8Array, baud: number): void {
    try {
      this.deliver(bytes, baud);
    } catch (error) {
      // A bug on the receiving side must not stall the wire; surface it instead of swallowing it.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
