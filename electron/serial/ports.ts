/**
 * Which hardware serial ports exist and what is behind them, and opening one as a Link. Paths are
 * device paths ("/dev/ttyUSB0", "COM3", a pty). Virtual boards are not this layer's business: the
 * port list the app shows is composed above it (electron/services/port-sources.ts).
 */
import { SerialPort } from 'serialport';
import type { Link } from './link';
import { SerialPortLink } from './serialport-link';
import { listSysfsPorts, type RawPortInfo } from './sysfs-ports';
import { describeUsbAdapter, parseUsbId } from './usb-adapters';

export interface PortDescription {
  path: string;
  kind: 'usb' | 'other';
  /** "Silicon Labs CP210x", "WCH CH340", "Espressif USB-JTAG-serial"; null when unknown. */
  adapter: string | null;
  vendorId: number | null;
  productId: number | null;
  manufacturer: string | null;
  serialNumber: string | null;
  /** Connect with the usb-reset sequence. */
  usbJtagSerial: boolean;
}

export interface SerialPortListOptions {
  /** serialport's own listing; tests replace it with one that fails. */
  systemList?: () => Promise<RawPortInfo[]>;
  /** Where Linux's sysfs is mounted; tests point it at a fake tree. */
  sysfsRoot?: string;
  platform?: NodeJS.Platform;
}

/**
 * The machine's serial ports with their USB adapters named. On Linux, serialport lists ports by
 * running `udevadm`, which containers and minimal installs lack; there the same facts are read
 * from sysfs instead, so a missing udev never empties the list.
 */
export async function listPorts(options: SerialPortListOptions = {}): Promise<PortDescription[]> {
  const systemList = options.systemList ?? (() => SerialPort.list());
  const platform = options.platform ?? process.platform;
  let found: RawPortInfo[];
  try {
    found = await systemList();
  } catch (error) {
    if (platform !== 'linux') throw error;
    found = await listSysfsPorts(options.sysfsRoot);
  }
  const ports = found.map(describePort);
  // Adapters Kiln recognises first; legacy /dev/ttyS* ports last.
  ports.sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
  return ports;
}

function describePort(info: RawPortInfo): PortDescription {
  const vendorId = parseUsbId(info.vendorId);
  const productId = parseUsbId(info.productId);
  const adapter = vendorId !== null && productId !== null ? describeUsbAdapter(vendorId, productId) : null;
  return {
    path: info.path,
    kind: vendorId !== null ? 'usb' : 'other',
    adapter: adapter?.name ?? null,
    vendorId,
    productId,
    manufacturer: info.manufacturer ?? null,
    serialNumber: info.serialNumber ?? null,
    usbJtagSerial: adapter?.usbJtagSerial ?? false,
  };
}

function rank(port: PortDescription): number {
  if (port.adapter) return 0;
  if (port.kind === 'usb') return 1;
  return 2;
}

/** Opens a device path (a pty too) at `baud`. */
export async function openSerialLink(path: string, baud = 115200): Promise<Link> {
  return SerialPortLink.open(path, baud);
}
