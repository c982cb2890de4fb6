/**
 * The real Link: a serial port through the `serialport` package (native binding). Received
 * bytes are buffered until the engine reads them; an unplugged adapter closes the link, fires
 * onClose and fails pending and later reads with LinkClosedError.
 */
import { SerialPortStream } from '@serialport/stream';
import { hangUpAwareBinding } from './hangup-aware-binding';
import { withDeadline } from './deadline';
import { LinkClosedError, LinkStalledError, ModemLinesUnsupportedError, wireDeadlineMs, type Link, type ModemSignals } from './link';

/**
 * Deadlines for the port's own operations (reads carry the caller's). A write gets its wire time
 * (see wireDeadlineMs) plus WRITE_MARGIN_MS; the rest are fixed: opening, closing and changing the
 * baud or the modem lines are one ioctl or two on a healthy port.
 */
export interface PortDeadlines {
  openMs: number;
  closeMs: number;
  controlMs: number;
  writeMarginMs: number;
}
/** libuv's UV_READABLE and UV_WRITABLE, as serialport's Unix poller takes them. */
const UV_READABLE = 0b0001;
const UV_WRITABLE = 0b0010;
/** How often a write still waiting after its wire time asks the poller again. */
const WRITE_REARM_MS = 250;

export const PORT_DEADLINES: PortDeadlines = { openMs: 5_000, closeMs: 3_000, controlMs: 3_000, writeMarginMs: 10_000 };

/** ioctl errors a pty (or a bridge without modem lines) gives for TIOCMSET. */
const NO_MODEM_LINES = /Inappropriate ioctl|ENOTTY|EINVAL|not supported/i;

export class SerialPortLink implements Link {
  private chunks: Buffer[] = [];
  private waiter: (() => void) | null = null;
  private closedReason: string | null = null;
  private readonly closeListeners = new Set<(reason: string) => void>();
  /** Both lines are asserted when a tty is opened (HUPCL); tracked so partial updates keep the other line. */
  private signals: Required<ModemSignals> = { dtr: true, rts: true };

  private constructor(
    private readonly port: SerialPortStream,
    readonly path: string,
    private baud: number,
    private readonly deadlines: PortDeadlines,
  ) {
    port.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.wake();
    });
    port.on('close', (error?: Error & { disconnected?: boolean }) => {
      this.markClosed(error?.disconnected ? 'the device was unplugged' : 'the port was closed');
    });
    port.on('error', (error: Error) => {
      if (!port.isOpen) this.markClosed(error.message);
    });
  }

  /** Opens `path` at `baud`; rejects with a readable message (busy, missing, no permission, stuck). */
  static async open(path: string, baud: number, deadlines: Partial<PortDeadlines> = {}): Promise<SerialPortLink> {
    const limits = { ...PORT_DEADLINES, ...deadlines };
    const port = new SerialPortStream({ binding: hangUpAwareBinding(), path, baudRate: baud, autoOpen: false });
    const opened = new Promise<void>((resolve, reject) => {
      port.open((error) => (error ? reject(new Error(explainOpenError(path, error))) : resolve()));
    });
    try {
      await withDeadline(opened, limits.openMs, () => new LinkStalledError(path, 'opening the port', limits.openMs));
    } catch (error) {
      // An open that finishes after the deadline must not leave the port held.
      if (error instanceof LinkStalledError) void opened.then(() => port.close(() => undefined)).catch(() => undefined);
      throw error;
    }
    return new SerialPortLink(port, path, baud, limits);
  }

  get baudRate(): number {
    return this.baud;
  }

  get isOpen(): boolean {
    return this.closedReason === null && this.port.isOpen;
  }

  /**
   * Resolves once the bytes were handed to the OS. A write whose callback never comes (a wedged
   * driver, a pty nobody drains) is given up on after its wire time: the port is closed, so the
   * write is aborted and everything waiting on the link learns it at once.
   */
  async write(bytes: Uint8Array): Promise<void> {
    this.assertOpen();
    const written = new Promise<void>((resolve, reject) => {
      this.port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (error) => {
        if (error) reject(this.closedReason !== null ? new LinkClosedError(this.path, this.closedReason) : error);
        else resolve();
      });
    });
    const deadline = wireDeadlineMs(bytes.length, this.baud, this.deadlines.writeMarginMs);
    // serialport's native Unix poller (bindings-cpp poller.cpp) restarts uv_poll with only the
    // events of its latest request, not all it is waiting for. A write that met a full buffer waits
    // for "writable"; when a byte then arrives and the read side asks for "readable", the writable
    // interest is silently dropped, and if the board waits for the rest of the frame before it
    // answers, nothing ever wakes the write: its callback never fires (the hang of issue 8). So a
    // write still waiting after half its wire time asks the poller again for both events.
    const rearm = setInterval(() => this.rearmWritablePoll(), Math.max(WRITE_REARM_MS, wireDeadlineMs(bytes.length, this.baud, 0) / 2));
    rearm.unref?.();
    try {
      await this.guard(written, `sending ${bytes.length} bytes`, deadline);
    } finally {
      clearInterval(rearm);
    }
  }

  /** Re-asks serialport's Unix poller for readable and writable (a no-op where the binding has no poller, e.g. Windows). */
  private rearmWritablePoll(): void {
    const binding = (this.port as unknown as { port?: { poller?: { poll?: (flags: number) => void } } }).port;
    try {
      binding?.poller?.poll?.(UV_READABLE | UV_WRITABLE);
    } catch {
      // The port closed meanwhile: the write's own callback reports that.
    }
  }

  async read(timeoutMs: number): Promise<Uint8Array> {
    if (this.chunks.length === 0) {
      this.assertOpen();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waiter = null;
          resolve();
        }, Math.max(0, timeoutMs));
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = null;
          resolve();
        };
      });
    }
    if (this.chunks.length === 0) {
      this.assertOpen();
      return new Uint8Array(0);
    }
    const out = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  discardInput(): void {
    this.chunks = [];
  }

  async setSignals(signals: ModemSignals): Promise<void> {
    this.assertOpen();
    const next = { dtr: signals.dtr ?? this.signals.dtr, rts: signals.rts ?? this.signals.rts };
    const set = new Promise<void>((resolve, reject) => {
      this.port.set(next, (error) => {
        if (!error) resolve();
        else if (NO_MODEM_LINES.test(error.message)) reject(new ModemLinesUnsupportedError(this.path, error));
        else reject(error);
      });
    });
    await this.guard(set, 'setting DTR/RTS', this.deadlines.controlMs);
    this.signals = next;
  }

  async setBaudRate(baud: number): Promise<void> {
    this.assertOpen();
    const update = new Promise<void>((resolve, reject) => {
      this.port.update({ baudRate: baud }, (error) => (error ? reject(error) : resolve()));
    });
    await this.guard(update, `changing the baud rate to ${baud}`, this.deadlines.controlMs);
    this.baud = baud;
  }

  /** Closes the port; a close the driver never confirms still ends, with the link marked closed. */
  async close(): Promise<void> {
    if (!this.port.isOpen) {
      this.markClosed('the port was closed');
      return;
    }
    const closed = new Promise<void>((resolve) => this.port.close(() => resolve()));
    try {
      await withDeadline(closed, this.deadlines.closeMs, () => new LinkStalledError(this.path, 'closing the port', this.deadlines.closeMs));
    } finally {
      this.markClosed('the port was closed');
    }
  }

  onClose(listener: (reason: string) => void): () => void {
    if (this.closedReason !== null) {
      listener(this.closedReason);
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Waits for a port operation; past its deadline the link is closed (aborting it) and the error says so. */
  private async guard(work: Promise<void>, operation: string, deadlineMs: number): Promise<void> {
    try {
      await withDeadline(work, deadlineMs, () => new LinkStalledError(this.path, operation, deadlineMs));
    } catch (error) {
      if (error instanceof LinkStalledError) this.abandon(error);
      throw error;
    }
  }

  /** The port is stuck: mark the link closed first (so waiters fail now), then try to release it. */
  private abandon(error: LinkStalledError): void {
    this.markClosed(error.reason);
    if (this.port.isOpen) this.port.close(() => undefined);
  }

  private assertOpen(): void {
    if (this.closedReason !== null) throw new LinkClosedError(this.path, this.closedReason);
  }

  private wake(): void {
    this.waiter?.();
  }

  private markClosed(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    this.wake();
    for (const listener of this.closeListeners) listener(reason);
    this.closeListeners.clear();
  }
}

function explainOpenError(path: string, error: Error): string {
  const text = error.message;
  if (/ENOENT|No such file|cannot find/i.test(text)) return `${path} does not exist. Is the board plugged in? Pick its port from the list.`;
  if (/EACCES|Permission denied|Access denied/i.test(text)) {
    return `No permission to open ${path}. On Linux, add yourself to the "dialout" group (sudo usermod -aG dialout $USER) and log in again.`;
  }
  if (/EBUSY|Resource busy|lock/i.test(text)) return `${path} is in use by another program (a serial monitor, another Kiln window?). Close it and try again.`;
  return `Could not open ${path}: ${text}`;
}
