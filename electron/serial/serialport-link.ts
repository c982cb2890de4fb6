/**
 * The real Link: a serial port through the `serialport` package (native binding). Received
 * bytes are buffered until the engine reads them; an unplugged adapter closes the link, fires
 * onClose and fails pending and later reads with LinkClosedError.
 */
import { SerialPort } from 'serialport';
import { LinkClosedError, ModemLinesUnsupportedError, type Link, type ModemSignals } from './link';

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
    private readonly port: SerialPort,
    readonly path: string,
    private baud: number,
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

  /** Opens `path` at `baud`; rejects with a readable message (busy, missing, no permission). */
  static async open(path: string, baud: number): Promise<SerialPortLink> {
    const port = new SerialPort({ path, baudRate: baud, autoOpen: false });
    await new Promise<void>((resolve, reject) => {
      port.open((error) => (error ? reject(new Error(explainOpenError(path, error))) : resolve()));
    });
    return new SerialPortLink(port, path, baud);
  }

  get baudRate(): number {
    return this.baud;
  }

  get isOpen(): boolean {
    return this.closedReason === null && this.port.isOpen;
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.assertOpen();
    await new Promise<void>((resolve, reject) => {
      this.port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (error) => {
        if (error) reject(this.closedReason !== null ? new LinkClosedError(this.path, this.closedReason) : error);
        else resolve();
      });
    });
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
    await new Promise<void>((resolve, reject) => {
      this.port.set(next, (error) => {
        if (!error) resolve();
        else if (NO_MODEM_LINES.test(error.message)) reject(new ModemLinesUnsupportedError(this.path, error));
        else reject(error);
      });
    });
    this.signals = next;
  }

  async setBaudRate(baud: number): Promise<void> {
    this.assertOpen();
    await new Promise<void>((resolve, reject) => {
      this.port.update({ baudRate: baud }, (error) => (error ? reject(error) : resolve()));
    });
    this.baud = baud;
  }

  async close(): Promise<void> {
    if (!this.port.isOpen) {
      this.markClosed('the port was closed');
      return;
    }
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
    this.markClosed('the port was closed');
  }

  onClose(listener: (reason: string) => void): () => void {
    if (this.closedReason !== null) {
      listener(this.closedReason);
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
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
