/**
 * Linux serial ports read straight from sysfs, for machines without `udevadm` (containers, minimal
 * Debian), where serialport's own listing fails. Each /sys/class/tty/<name> with a `device` link is
 * a real port; for USB adapters the nearest ancestor with idVendor/idProduct is the USB device,
 * whose files also hold the manufacturer and serial number udev would have reported.
 */
import { readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';

/** The fields of a port that serialport's listing gives and Kiln uses. */
export interface RawPortInfo {
  path: string;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
}

async function readAttribute(dir: string, name: string): Promise<string | undefined> {
  try {
    const value = (await readFile(path.join(dir, name), 'utf8')).trim();
    return value === '' ? undefined : value;
  } catch {
    return undefined;
  }
}

/** Walks up from the tty's device to the USB device that carries idVendor, if there is one. */
async function findUsbDevice(deviceDir: string, root: string): Promise<string | null> {
  let dir = deviceDir;
  const stop = path.join(root, 'devices');
  while (dir.startsWith(stop) && dir !== stop) {
    if ((await readAttribute(dir, 'idVendor')) !== undefined) return dir;
    dir = path.dirname(dir);
  }
  return null;
}

export async function listSysfsPorts(root = '/sys'): Promise<RawPortInfo[]> {
  const classDir = path.join(root, 'class', 'tty');
  const names = await readdir(classDir);
  const ports: RawPortInfo[] = [];
  for (const name of names.sort()) {
    let deviceDir: string;
    try {
      deviceDir = await realpath(path.join(classDir, name, 'device'));
    } catch {
      continue; // virtual consoles and ptys have no device behind them
    }
    const usb = await findUsbDevice(deviceDir, await realpath(root));
    ports.push({
      path: `/dev/${name}`,
      vendorId: usb ? await readAttribute(usb, 'idVendor') : undefined,
      productId: usb ? await readAttribute(usb, 'idProduct') : undefined,
      manufacturer: usb ? await readAttribute(usb, 'manufacturer') : undefined,
      serialNumber: usb ? await readAttribute(usb, 'serial') : undefined,
    });
  }
  return ports;
}
