import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listPorts } from '../../../../electron/serial/ports';
import { listSysfsPorts } from '../../../../electron/serial/sysfs-ports';

/** A small fake sysfs: a CP2102 on ttyUSB0, an ESP32-S3's native USB on ttyACM0, a legacy ttyS0, a console without a device. */
let root: string;
function file(relative: string, content: string): void {
  const full = path.join(root, relative);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, content);
}
function tty(name: string, deviceDir: string): void {
  mkdirSync(path.join(root, 'devices', deviceDir), { recursive: true });
  mkdirSync(path.join(root, 'class/tty', name), { recursive: true });
  symlinkSync(path.join(root, 'devices', deviceDir), path.join(root, 'class/tty', name, 'device'));
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'kiln-sysfs-'));
  file('devices/pci0/usb1/1-1/idVendor', '10c4\n');
  file('devices/pci0/usb1/1-1/idProduct', 'ea60\n');
  file('devices/pci0/usb1/1-1/manufacturer', 'Silicon Labs\n');
  file('devices/pci0/usb1/1-1/serial', '0001\n');
  tty('ttyUSB0', 'pci0/usb1/1-1/1-1:1.0/ttyUSB0');
  file('devices/pci0/usb1/1-2/idVendor', '303a\n');
  file('devices/pci0/usb1/1-2/idProduct', '1001\n');
  tty('ttyACM0', 'pci0/usb1/1-2/1-2:1.0');
  tty('ttyS0', 'pnp0/00:00');
  mkdirSync(path.join(root, 'class/tty/tty1'), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('serial ports from sysfs', () => {
  it('reads VID:PID, manufacturer and serial number from the USB device above each tty', async () => {
    expect(await listSysfsPorts(root)).toEqual([
      { path: '/dev/ttyACM0', vendorId: '303a', productId: '1001', manufacturer: undefined, serialNumber: undefined },
      { path: '/dev/ttyS0', vendorId: undefined, productId: undefined, manufacturer: undefined, serialNumber: undefined },
      { path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60', manufacturer: 'Silicon Labs', serialNumber: '0001' },
    ]);
  });

  it('is what listPorts falls back to on Linux when serialport cannot list (no udevadm)', async () => {
    const ports = await listPorts({ systemList: () => Promise.reject(new Error('spawn udevadm ENOENT')), sysfsRoot: root, platform: 'linux' });
    expect(ports.map((p) => [p.path, p.adapter])).toEqual([
      ['/dev/ttyACM0', 'Espressif USB-JTAG-serial'],
      ['/dev/ttyUSB0', 'Silicon Labs CP210x'],
      ['/dev/ttyS0', null],
    ]);
  });

  it('passes the error on where there is no sysfs to fall back to', async () => {
    await expect(listPorts({ systemList: () => Promise.reject(new Error('boom')), platform: 'darwin' })).rejects.toThrow('boom');
  });
});
