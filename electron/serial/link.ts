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
