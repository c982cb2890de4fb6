import { LinkClosedError, ModemLinesUnsupportedError, type Link, type ModemSignals } from '../../serial/link';
import { resampleUart } from './uart-resample';

/** The board side of a host link: where written bytes, modem lines and the close go. */
export interface HostLinkOwner {
  hostWrite(link: HostLink, bytes: Uint8Array): void;
  hostSignals(link: HostLink, signals: ModemSignals): void;
  hostClosed(link: HostLink): void;
}

export interface HostLinkOptions {
  /** false: like a pty, setSignals rejects. */
  modemLines: boolean;
  /**
   * When set, the host's baud is whatever the board's UART runs at (a pty bridge, where baud
   * changes are invisible and the protocol's CHANGE_BAUDRATE is followed instead).
   */
  followBaud?: () => number;
  initialBaud?: number;
}

/**
 * The host's end of the virtual USB cable: a Link like the serialport-backed one. Bytes the board
 * sent at another baud than the host's arrive garbled (resampled bit by bit).
 */
export class HostLink implements Link {
  private hostBaud: number;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private waiters: Array<{ resolve: (bytes: Uint8Array) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }> = [];
  private closedReason: string | null = null;
  private readonly closeListeners = new Set<(reason: string) => void>();

  constructor(
    readonly path: string,
    private readonly owner: HostLinkOwner,
    private readonly options: HostLinkOptions,
  ) {
    this.hostBaud = options.initialBaud ?? 115200;
  }

  get baudRate(): number {
    return this.options.followBaud ? this.options.followBaud() : this.hostBaud;
  }

  get isOpen(): boolean {
    return this.closedReason === null;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.closedReason !== null) throw new LinkClosedError(this.path, this.closedReason);
    if (bytes.length === 0) return;
    // The caller may reuse its buffer once write() resolves; the wire keeps a copy.
    this.owner.hostWrite(this, bytes.slice());
  }

  read(timeoutMs: number): Promise<Uint8Array> {
    if (this.closedReason !== null) return Promise.reject(new LinkClosedError(this.path, this.closedReason));
    if (this.buffered > 0 && this.waiters.length === 0) return Promise.resolve(this.take());
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(new Uint8Array(0));
        }, Math.max(0, timeoutMs)),
      };
      this.waiters.push(waiter);
    });
  }

  discardInput(): void {
    this.chunks = [];
    this.buffered = 0;
  }

  async setSignals(signals: ModemSignals): Promise<void> {
    if (this.closedReason !== null) throw new LinkClosedError(this.path, this.closedReason);
    if (!this.options.modemLines) throw new ModemLinesUnsupportedError(this.path);
    this.owner.hostSignals(this, signals);
  }

  async setBaudRate(baud: number): Promise<void> {
    if (this.closedReason !== null) throw new LinkClosedError(this.path, this.closedReason);
    if (!Number.isInteger(baud) || baud <= 0) throw new RangeError(`${baud} is not a baud rate. Use a positive whole number such as 115200.`);
    this.hostBaud = baud;
  }

  async close(): Promise<void> {
    if (this.closedReason !== null) return;
    this.shut('the port was closed');
    this.owner.hostClosed(this);
  }

  onClose(listener: (reason: string) => void): () => void {
    if (this.closedReason !== null) {
      const reason = this.closedReason;
      queueMicrotask(() => listener(reason));
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  // --- called by the board ---------------------------------------------------------------------

  /** Bytes off the board -> host wire, sent at the board's baud. */
  receive(bytes: Uint8Array, senderBaud: number): void {
    if (this.closedReason !== null) return;
    const data = this.options.followBaud || senderBaud === this.hostBaud ? bytes : resampleUart(bytes, senderBaud, this.hostBaud);
    if (data.length === 0) return;
    const waiter = this.waiters.shift();
    if (waiter && this.buffered === 0) {
      clearTimeout(waiter.timer);
      waiter.resolve(data.slice());
      return;
    }
    this.chunks.push(data.slice());
    this.buffered += data.length;
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(this.take());
    }
  }

  /** The device went away (cable pulled, board removed). */
  closeFromDevice(reason: string): void {
    if (this.closedReason !== null) return;
    this.shut(reason);
  }

  private shut(reason: string): void {
    this.closedReason = reason;
    this.discardInput();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(new LinkClosedError(this.path, reason));
    }
    for (const listener of this.closeListeners) listener(reason);
    this.closeListeners.clear();
  }

  private take(): Uint8Array {
    if (this.chunks.length === 1) {
      const only = this.chunks[0] as Uint8Array;
      this.chunks = [];
      this.buffered = 0;
      return only;
    }
    const out = new Uint8Array(this.buffered);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    this.chunks = [];
    this.buffered = 0;
    return out;
  }
}
