import type { PortInfo } from '../../shared/types/ports';
import { CHIP_DISPLAY_NAMES, type ChipFamily } from '../../shared/types/chips';
import { listPorts } from '../serial/ports';
import type { PortLister } from './port-watcher';

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
