import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants as fsConstants, existsSync, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPortStream } from '@serialport/stream';
import { hangUpAwareBinding } from '../../serial/hangup-aware-binding';
import type { VirtualBoardImpl } from '../board';

/**
 * Exposes a virtual board on a pseudo-terminal so any serial tool (esptool, minicom, mpremote) can
 * talk to it. socat makes a linked pty pair; the board's end is opened with the serialport package,
 * the host's end is the path handed to the user. A pty has no modem lines and no baud rate, so the
 * host side follows the board's UART speed (CHANGE_BAUDRATE, the ROM's auto-baud) and the boot mode
 * comes from the board's strapping option.
 *
 * The bridge also keeps the host end open itself: a pty pair dies when its last user closes the
 * slave, and this way the board (and a stub left running in it) outlives each client session.
 */
export interface PtyBridge {
  /** The path a serial tool opens. */
  readonly hostPath: string;
  close(): Promise<void>;
}

const SOCAT_READY_TIMEOUT_MS = 5000;

export async function exposeOnPty(board: VirtualBoardImpl, options: { hostPath?: string } = {}): Promise<PtyBridge> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-virtual-'));
  const hostPath = options.hostPath ?? join(dir, board.chip);
  const boardPath = join(dir, 'board-side');

  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${boardPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let socatLog = '';
  socat.stderr?.on('data', (d: Buffer) => {
    socatLog = (socatLog + d.toString()).slice(-4000);
  });
  const spawnError = new Promise<Error>((resolve) => socat.once('error', resolve));

  try {
    await waitFor(() => existsSync(hostPath) && existsSync(boardPath), socat, spawnError, () => socatLog);
  } catch (error) {
    socat.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  // Hold the host end open so the pair survives clients coming and going.
  const keepAlive = openSync(hostPath, fsConstants.O_RDWR | fsConstants.O_NOCTTY | fsConstants.O_NONBLOCK);

  // The hang-up-aware binding: if socat dies, the board end reads EOF, which must end the bridge's
  // reads rather than spin them.
  const port = new SerialPortStream({ binding: hangUpAwareBinding(), path: boardPath, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));

  const link = board.connect(`pty:${hostPath}`, { followBoardBaud: true, modemLines: false });
  let running = true;
  port.on('data', (data: Buffer) => {
    if (running) void link.write(new Uint8Array(data)).catch(() => undefined);
  });
  const pump = (async () => {
    while (running) {
      let bytes: Uint8Array;
      try {
        bytes = await link.read(200);
      } catch {
        break; // the board was closed or unplugged
      }
      if (bytes.length > 0 && running) port.write(Buffer.from(bytes));
    }
  })();

  return {
    hostPath,
    async close() {
      if (!running) return;
      running = false;
      await link.close().catch(() => undefined);
      await pump;
      await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
      closeSync(keepAlive);
      await stopProcess(socat);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitFor(ready: () => boolean, child: ChildProcess, spawnError: Promise<Error>, log: () => string): Promise<void> {
  const deadline = Date.now() + SOCAT_READY_TIMEOUT_MS;
  let failed: Error | null = null;
  void spawnError.then((e) => (failed = e));
  while (!ready()) {
    if (failed) {
      throw new Error(`Could not start socat (${(failed as Error).message}). Install socat (apt-get install socat) and try again.`);
    }
    if (child.exitCode !== null) throw new Error(`socat exited before the pty pair was ready: ${log().trim() || 'no output'}`);
    if (Date.now() > deadline) throw new Error('socat did not create the pty pair within 5 seconds. Check that /dev/ptmx is usable.');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
