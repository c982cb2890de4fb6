import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realpathSync } from 'node:fs';
import { resolveSerialDevicePath, type DevicePathSystem } from '../../../../electron/services/serial-device-path';
import { createPtyPair, type PtyPair } from '../../../integration/electron/serial/pty-pair';

/** A file system described by the test: path → what it is, with symlinks. Linux device numbers. */
function fakeSystem(platform: NodeJS.Platform, entries: Record<string, { link?: string; char?: { major: number; minor: number }; subsystem?: string }>): DevicePathSystem {
  return {
    platform,
    async realpath(path) {
      let current = path;
      for (let hops = 0; hops < 8; hops++) {
        const entry = entries[current];
        if (!entry) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
        if (!entry.link) return current;
        current = entry.link;
      }
      throw new Error('ELOOP');
    },
    async stat(path) {
      const char = entries[path]?.char;
      return { isCharacterDevice: () => char !== undefined, rdev: char ? char.major * 256 + char.minor : 0 };
    },
    async charDeviceSubsystem(major, minor) {
      return Object.values(entries).find((entry) => entry.char?.major === major && entry.char.minor === minor)?.subsystem ?? null;
    },
  };
}

const linux = fakeSystem('linux', {
  '/dev/ttyUSB0': { char: { major: 188, minor: 0 }, subsystem: 'tty' },
  '/dev/ttyACM0': { char: { major: 166, minor: 0 }, subsystem: 'tty' },
  '/dev/serial/by-id/usb-Silicon_Labs_CP2102-if00-port0': { link: '/dev/ttyUSB0' },
  '/dev/escape': { link: '/etc/passwd' },
  '/etc/passwd': {},
  '/dev/null': { char: { major: 1, minor: 3 }, subsystem: 'mem' },
  '/dev/mem': { char: { major: 1, minor: 1 }, subsystem: 'mem' },
  '/dev/sda': {},
  '/dev/tty': { char: { major: 5, minor: 0 }, subsystem: 'tty' },
  '/dev/tty1': { char: { major: 4, minor: 1 }, subsystem: 'tty' },
  '/dev/ttyS0': { char: { major: 4, minor: 64 }, subsystem: 'tty' },
  '/dev/pts/3': { char: { major: 136, minor: 3 } },
});

describe('resolving a requested port to the serial device Kiln opens', () => {
  it('accepts USB, ACM, on-board UART and pty devices, following /dev/serial/by-id links to the device', async () => {
    expect(await resolveSerialDevicePath('/dev/ttyUSB0', linux)).toBe('/dev/ttyUSB0');
    expect(await resolveSerialDevicePath('/dev/ttyACM0', linux)).toBe('/dev/ttyACM0');
    expect(await resolveSerialDevicePath('/dev/ttyS0', linux)).toBe('/dev/ttyS0');
    expect(await resolveSerialDevicePath('/dev/pts/3', linux)).toBe('/dev/pts/3');
    expect(await resolveSerialDevicePath('/dev/serial/by-id/usb-Silicon_Labs_CP2102-if00-port0', linux)).toBe('/dev/ttyUSB0');
  });

  it('refuses a link out of /dev, devices that are not serial terminals, and consoles, saying why', async () => {
    await expect(resolveSerialDevicePath('/dev/escape', linux)).rejects.toMatchObject({ code: 'bad-request', message: '/dev/escape (/etc/passwd) is not under /dev, so Kiln will not open it as a board’s serial port.' });
    await expect(resolveSerialDevicePath('/dev/null', linux)).rejects.toMatchObject({ code: 'bad-request', message: expect.stringMatching(/^\/dev\/null is not a serial terminal device/) });
    await expect(resolveSerialDevicePath('/dev/mem', linux)).rejects.toMatchObject({ message: expect.stringMatching(/not a serial terminal device/) });
    await expect(resolveSerialDevicePath('/dev/sda', linux)).rejects.toMatchObject({ message: expect.stringMatching(/not a character device/) });
    await expect(resolveSerialDevicePath('/dev/tty', linux)).rejects.toMatchObject({ message: expect.stringMatching(/not a serial terminal device/) });
    await expect(resolveSerialDevicePath('/dev/tty1', linux)).rejects.toMatchObject({ message: expect.stringMatching(/not a serial terminal device/) });
    await expect(resolveSerialDevicePath('/dev/ttyUSB9', linux)).rejects.toMatchObject({ code: 'device', message: 'There is no serial port at /dev/ttyUSB9.' });
  });

  it('on macOS accepts only /dev/cu.* and /dev/tty.*', async () => {
    const mac = fakeSystem('darwin', { '/dev/cu.usbserial-0001': { char: { major: 9, minor: 3 } }, '/dev/tty.usbserial-0001': { char: { major: 9, minor: 2 } }, '/dev/null': { char: { major: 3, minor: 2 } } });
    expect(await resolveSerialDevicePath('/dev/cu.usbserial-0001', mac)).toBe('/dev/cu.usbserial-0001');
    expect(await resolveSerialDevicePath('/dev/tty.usbserial-0001', mac)).toBe('/dev/tty.usbserial-0001');
    await expect(resolveSerialDevicePath('/dev/null', mac)).rejects.toMatchObject({ message: expect.stringMatching(/not a \/dev\/cu\.\* or \/dev\/tty\.\* port/) });
  });

  it('on Windows accepts COMn and \\\\.\\COMn, nothing else', async () => {
    const windows = fakeSystem('win32', {});
    expect(await resolveSerialDevicePath('COM3', windows)).toBe('COM3');
    expect(await resolveSerialDevicePath('\\\\.\\COM12', windows)).toBe('COM12');
    await expect(resolveSerialDevicePath('\\\\.\\PhysicalDrive0', windows)).rejects.toMatchObject({ code: 'bad-request' });
    await expect(resolveSerialDevicePath('COM3:..\\x', windows)).rejects.toMatchObject({ code: 'bad-request' });
  });
});

describe.runIf(process.platform === 'linux')('on this Linux machine', () => {
  let pty: PtyPair;
  beforeAll(async () => {
    pty = await createPtyPair();
  });
  afterAll(async () => {
    await pty.close();
  });

  it('accepts a real pty (reached through its symlink) and refuses /dev/null and a directory', async () => {
    const device = realpathSync(pty.a);
    expect(device).toMatch(/^\/dev\/pts\/\d+$/);
    expect(await resolveSerialDevicePath(device)).toBe(device);
    expect(await resolveSerialDevicePath(pty.a)).toBe(device);
    await expect(resolveSerialDevicePath('/dev/null')).rejects.toMatchObject({ code: 'bad-request' });
    await expect(resolveSerialDevicePath('/dev/pts')).rejects.toMatchObject({ message: expect.stringMatching(/not a character device/) });
  });
});
