/**
 * Which ports exist and what is behind them, and opening one as a Link. Paths are device paths
 * ("/dev/ttyUSB0", "COM3", a pty) or "virtual:<chip>" for the built-in virtual boards.
 */
import { SerialPort } from 'serialport';
import { isVirtualPortPath, listVirtualPorts, openVirtualPort } from '../virtual-board/access/virtual-ports';
import type { Link } from './link';
import { SerialPortLink } from './serialport-link';
import { describeUsbAdapter, parseUsbId } from './usb-adapters';

export interface PortDescription {
  path: string;
  kind: 'usb' | 'virtual' | 'other';
  /** "Silicon Labs CP210x", "WCH CH340", "Espressif USB-JTAG-serial"; null when unknown. */
  adapter: string | null;
  vendorId: number | null;
  productId: number | null;
  manufacturer: string | null;
  serialNumber: string | null;
  /** Connect with the usb-reset sequence. */
  usbJtagSerial: boolean;
}

export async function listPorts(options: { includeVirtual?: boolean } = {}): Promise<PortDescription[]> {
  const found = await SerialPort.list();
  const ports: PortDescription[] = found.map((info) => {
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
  });
  // Adapters Kiln recognises first; legacy /dev/ttyS* ports last.
  ports.sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
  if (options.includeVirtual) {
    for (const path of listVirtualPorts()) {
      ports.push({ path, kind: 'virtual', adapter: 'Kiln virtual board', vendorId: null, productId: null, manufacturer: 'Kiln', serialNumber: null, usbJtagSerial: false });
    }
  }
  return ports;
}

function rank(port: PortDescription): number {
  if (port.adapter) return 0;
  if (port.kind === 'usb') return 1;
  return 2;
}

/** Opens a device path (a pty too) or "virtual:<chip>" at `baud`. */
export async function openLink(path: string, baud = 115200): Promise<Link> {
  if (isVirtualPortPath(path)) {
    const link = await openVirtualPort(path);
    if (link.baudRate !== baud) await link.setBaudRate(baud);
    return link;
  }
  return SerialPortLink.open(path, baud);
}
