/**
 * The port list the app shows, composed from its sources: the machine's serial ports and, when the
 * Demo board is on, Kiln's virtual boards. Sources are independent: one that fails (no udev, a
 * driver that hangs) becomes a warning beside the others' ports, never an error for the whole list.
 * Opening a port goes through here too, so the serial layer never needs to know virtual boards.
 */
import type { PortInfo, PortListing } from '../../shared/types/ports';
import { CHIP_DISPLAY_NAMES, type ChipFamily } from '../../shared/types/chips';
import type { Link } from '../serial/link';
import { listPorts, openSerialLink } from '../serial/ports';
import { UNKNOWN_ADAPTER_MAX_BAUD, adapterMaxBaud, parseUsbId } from '../serial/usb-adapters';
import { isVirtualPortPath, openVirtualPort } from '../virtual-board/access/virtual-ports';

export type PortLister = () => Promise<PortInfo[]>;

export interface PortSource {
  /** For the warning: "serial ports", "Demo boards". */
  name: string;
  list: PortLister;
}

/** A source that takes longer than this is reported as stuck and the others are shown. */
const SOURCE_DEADLINE_MS = 5000;

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
    timer.unref?.();
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Lists every source at once; a failing or stuck one adds a warning instead of its ports. */
export async function composePortList(sources: PortSource[], deadlineMs = SOURCE_DEADLINE_MS): Promise<PortListing> {
  const outcomes = await Promise.allSettled(sources.map((source) => withDeadline(Promise.resolve().then(source.list), deadlineMs, `Listing ${source.name}`)));
  const ports: PortInfo[] = [];
  const warnings: string[] = [];
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') ports.push(...outcome.value);
    else warnings.push(`Could not list ${sources[index]!.name}: ${(outcome.reason as Error).message}. The other ports are shown.`);
  });
  return { ports, warnings };
}

/** A virtual board's UART takes any standard rate: auto baud may use the fastest. */
export const VIRTUAL_BOARD_MAX_BAUD = 2_000_000;

/** The fastest baud worth trying on this port: its USB adapter's datasheet limit. */
export function maxBaudForPort(port: PortInfo | undefined): number {
  if (!port) return UNKNOWN_ADAPTER_MAX_BAUD;
  if (port.virtual) return VIRTUAL_BOARD_MAX_BAUD;
  return adapterMaxBaud(parseUsbId(port.vendorId ?? undefined), parseUsbId(port.productId ?? undefined));
}

/** The Demo boards: virtual boards inside Kiln, for trying it without hardware. */
const DEMO_CHIPS: ChipFamily[] = ['esp32', 'esp8266'];

export function demoPortList(): PortInfo[] {
  return DEMO_CHIPS.map((chip) => ({
    path: `virtual:${chip}`,
    label: `Demo board (virtual ${CHIP_DISPLAY_NAMES[chip]})`,
    adapter: 'Kiln virtual board',
    vendorId: null,
    productId: null,
    serialNumber: null,
    virtual: true,
  }));
}

const hex4 = (id: number | null): string | null => (id === null ? null : id.toString(16).padStart(4, '0'));

/** Hardware serial ports with their USB adapters named. */
export function hardwarePortLister(): PortLister {
  return async () => {
    const ports = await listPorts();
    return ports.map((port) => ({
      path: port.path,
      label: port.adapter ? `${port.adapter} (${port.path})` : port.manufacturer ? `${port.path} (${port.manufacturer})` : port.path,
      adapter: port.adapter,
      vendorId: hex4(port.vendorId),
      productId: hex4(port.productId),
      serialNumber: port.serialNumber,
      virtual: false,
    }));
  };
}

/** Opens a device path (a pty too) or "virtual:<chip>[:<name>]" at `baud`. */
export async function openPort(path: string, baud = 115200): Promise<Link> {
  if (isVirtualPortPath(path)) {
    const link = await openVirtualPort(path);
    if (link.baudRate !== baud) await link.setBaudRate(baud);
    return link;
  }
  return openSerialLink(path, baud);
}
