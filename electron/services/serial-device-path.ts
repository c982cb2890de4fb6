import { realpath, stat } from 'node:fs/promises';
import { KilnError } from '../../shared/types/errors';

/** The file-system calls this module makes; tests pass fakes for devices they cannot create. */
export interface DevicePathSystem {
  platform: NodeJS.Platform;
  realpath(path: string): Promise<string>;
  stat(path: string): Promise<{ isCharacterDevice(): boolean; rdev: number }>;
  /** Linux: the subsystem a character device belongs to (from /sys/dev/char), or null when unknown. */
  charDeviceSubsystem(major: number, minor: number): Promise<string | null>;
}

const nodeSystem: DevicePathSystem = {
  platform: process.platform,
  realpath: (path) => realpath(path),
  stat: (path) => stat(path),
  async charDeviceSubsystem(major, minor) {
    try {
      const target = await realpath(`/sys/dev/char/${major}:${minor}/subsystem`);
      return target.slice(target.lastIndexOf('/') + 1);
    } catch {
      return null;
    }
  },
};

const HINT = 'Choose the board’s port from the list (a serial device such as /dev/ttyUSB0, /dev/cu.usbserial-…, or COM3).';

/**
 * Turns the port path a client asked for into the device Kiln will open, or refuses it. Symlinks
 * (/dev/serial/by-id/…) and any "." or ".." are resolved first, so what is checked is what gets
 * opened: on Linux a terminal device under /dev (USB and on-board UARTs, ptys), on macOS
 * /dev/cu.* or /dev/tty.*, on Windows COMn. Anything else (/dev/null, a disk, a file) is refused
 * before it is opened, because opening a device can have side effects and Kiln writes to what it opens.
 */
export async function resolveSerialDevicePath(path: string, system: DevicePathSystem = nodeSystem): Promise<string> {
  if (system.platform === 'win32') {
    const match = /^(?:\\\\\.\\)?(COM\d{1,3})$/i.exec(path);
    if (!match?.[1]) throw notSerial(path, 'is not a serial port name');
    return match[1].toUpperCase();
  }
  let resolved: string;
  try {
    resolved = await system.realpath(path);
  } catch {
    throw new KilnError('device', `There is no serial port at ${path}.`, 'Check that the board is plugged in, then choose its port from the list again.');
  }
  const named = resolved === path ? path : `${path} (${resolved})`;
  if (!resolved.startsWith('/dev/')) throw notSerial(named, 'is not under /dev');
  if (system.platform === 'darwin' && !/^\/dev\/(cu|tty)\.[^/]+$/.test(resolved)) throw notSerial(named, 'is not a /dev/cu.* or /dev/tty.* port');
  const info = await system.stat(resolved).catch(() => null);
  if (!info?.isCharacterDevice()) throw notSerial(named, 'is not a character device');
  if (system.platform === 'linux' && !(await isLinuxSerialTerminal(info.rdev, system))) throw notSerial(named, 'is not a serial terminal device');
  return resolved;
}

/**
 * Linux device numbers: pty slaves (majors 136–143) have no sysfs entry; every other serial port
 * (ttyUSB, ttyACM, ttyS, ttyAMA, rfcomm …) is in the "tty" class. The consoles (/dev/tty,
 * /dev/console, /dev/ptmx: major 5; virtual terminals: major 4, minors below 64) are not ports.
 */
async function isLinuxSerialTerminal(rdev: number, system: DevicePathSystem): Promise<boolean> {
  const major = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  const minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
  if (major >= 136 && major <= 143) return true;
  if (major === 5 || (major === 4 && minor < 64)) return false;
  return (await system.charDeviceSubsystem(major, minor)) === 'tty';
}

function notSerial(path: string, why: string): KilnError {
  return new KilnError('bad-request', `${path} ${why}, so Kiln will not open it as a board’s serial port.`, HINT);
}
