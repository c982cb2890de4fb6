/**
 * A Link is a byte pipe to one board: the real serial port (serialport) and the virtual board
 * both implement it, so the engine never knows which one it talks to.
 */
export interface ModemSignals {
  /** Data Terminal Ready; on classic boards drives GPIO0 (BOOT) through a transistor. */
  dtr?: boolean;
  /** Request To Send; on classic boards drives EN (reset) through a transistor. */
  rts?: boolean;
}

export interface Link {
  /** The port path or virtual name ("/dev/ttyUSB0", "virtual:esp32"). */
  readonly path: string;
  /** The host side's current baud rate. */
  readonly baudRate: number;
  readonly isOpen: boolean;
  /** Queues bytes for sending; resolves once they were handed to the OS (or the virtual wire). */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Resolves with every byte received so far (at least one), waiting up to timeoutMs for the
   * first; resolves with an empty array when nothing arrived in time. Rejects with
   * LinkClosedError once the link is closed or the device vanished.
   */
  read(timeoutMs: number): Promise<Uint8Array>;
  /** Discards bytes received and not yet read. */
  discardInput(): void;
  /** Rejects with ModemLinesUnsupportedError where the port has no modem lines (a pty). */
  setSignals(signals: ModemSignals): Promise<void>;
  setBaudRate(baud: number): Promise<void>;
  close(): Promise<void>;
  /** Called once when the device disappears or the link closes; returns an unsubscribe function. */
  onClose(listener: (reason: string) => void): () => void;
}

export class LinkClosedError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`The connection to ${path} closed: ${reason}. Check the USB cable, then reconnect.`);
    this.name = 'LinkClosedError';
  }
}

/**
 * A link operation (write, open, close, a baud or line change) did not finish within its deadline:
 * the port or its driver is stuck. The link is closed when this is raised, so it is a
 * LinkClosedError too and every caller that handles an unplug handles this the same way.
 */
export class LinkStalledError extends LinkClosedError {
  constructor(
    path: string,
    readonly operation: string,
    readonly deadlineMs: number,
  ) {
    super(path, `${operation} did not finish within ${(deadlineMs / 1000).toFixed(1)} s, so Kiln gave up on the port`);
    this.name = 'LinkStalledError';
    this.message = `${path} stopped responding: ${operation} did not finish within ${(deadlineMs / 1000).toFixed(1)} s. Unplug the board, plug it back in and try again; if it keeps happening, try a lower baud rate or another USB port.`;
  }
}

/**
 * Time to allow for sending `bytes` at `baud`: 10 bits per byte (start, 8 data, stop) on the wire,
 * twice that for USB adapters and busy machines, plus a fixed margin for the OS.
 */
export function wireDeadlineMs(bytes: number, baud: number, marginMs: number): number {
  return Math.ceil(((bytes * 10) / Math.max(1, baud)) * 1000 * 2) + marginMs;
}

/** Raised by setSignals on ports that cannot drive DTR/RTS (a pty, some Bluetooth bridges). */
export class ModemLinesUnsupportedError extends Error {
  constructor(
    readonly path: string,
    cause?: unknown,
  ) {
    super(`${path} cannot drive DTR/RTS, so Kiln cannot reset the board by itself.`, { cause });
    this.name = 'ModemLinesUnsupportedError';
  }
}
