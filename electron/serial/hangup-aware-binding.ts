/**
 * serialport's platform binding, with a Unix read that treats end-of-file as "the device is gone".
 *
 * When a USB serial adapter is unplugged (usb-serial, cdc-acm) or the far end of a pty closes,
 * Linux hangs the tty up: from then on every read on it returns 0 bytes at once and poll reports
 * it readable. bindings-cpp's Unix read answers a 0-byte read by reading again, so after a
 * hang-up it spins through the thread pool for ever: the port never reports the disconnect, a
 * CPU core stays busy, and the app never learns the board went away. (Whether a read sees the
 * hang-up's EIO, which it does handle, or the EOF that follows is a race that a loaded machine
 * loses.) A non-blocking tty opened with VMIN=1 never returns 0 for "no data yet" (that is
 * EAGAIN), so here a 0-byte read is a disconnect.
 *
 * Windows has no fd or poller on its binding and keeps serialport's own read.
 */
import { read as fsRead } from 'node:fs';
import { promisify } from 'node:util';
import { autoDetect, type AutoDetectTypes } from '@serialport/bindings-cpp';

/** A port as the platform binding opens it. */
type BindingPortInterface = Awaited<ReturnType<AutoDetectTypes['open']>>;

const readAsync = promisify(fsRead);

/** What a Unix port binding (Linux, macOS) exposes that the read below needs. */
interface UnixPortBinding {
  readonly isOpen: boolean;
  fd: number | null;
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }>;
  poller: { once(event: 'readable', callback: (error: Error | null) => void): unknown };
}

function isUnixPortBinding(port: BindingPortInterface): port is BindingPortInterface & UnixPortBinding {
  const candidate = port as unknown as Partial<UnixPortBinding>;
  return typeof candidate.fd === 'number' && typeof candidate.poller?.once === 'function';
}

/** The shape serialport's stream reads errors in: `canceled` is a read cut short by close, `disconnect` an unplug. */
function bindingError(message: string, flags: { canceled?: true; disconnect?: true }): Error {
  return Object.assign(new Error(message), flags);
}

const RETRY_CODES = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

/** Reads what is waiting; waits for the poller when nothing is; a hung-up tty (EOF) is a disconnect. */
export async function readUntilHangUp(port: UnixPortBinding, buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
  for (;;) {
    if (!port.isOpen || port.fd === null) throw bindingError('Port is not open', { canceled: true });
    try {
      const { bytesRead } = await readAsync(port.fd, buffer, offset, length, null);
      if (bytesRead === 0) throw bindingError('the device hung up (the serial port reached end of file)', { disconnect: true });
      return { buffer, bytesRead };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === undefined || !RETRY_CODES.has(code)) throw error;
      if (!port.isOpen) throw bindingError('Port is not open', { canceled: true });
      await new Promise<void>((resolve, reject) => port.poller.once('readable', (pollError) => (pollError ? reject(pollError) : resolve())));
    }
  }
}

/** The platform's binding; ports it opens on Unix read with {@link readUntilHangUp}. */
export function hangUpAwareBinding(): AutoDetectTypes {
  const platform = autoDetect();
  return {
    list: () => platform.list(),
    async open(options: Parameters<AutoDetectTypes['open']>[0]) {
      const port = await platform.open(options as never);
      if (isUnixPortBinding(port)) port.read = (buffer: Buffer, offset: number, length: number) => readUntilHangUp(port, buffer, offset, length);
      return port;
    },
  } as AutoDetectTypes;
}
