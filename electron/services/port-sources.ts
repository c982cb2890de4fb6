import type { PortInfo } from '../../shared/ports';
import { CHIP_DISPLAY_NAMES, type ChipFamily } from '../../shared/chips';
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

/** Hardware serial ports, through the serialport package (loaded lazily: its native binding is only needed here). */
export function hardwarePortLister(): PortLister {
  return async () => {
    const { SerialPort } = await import('serialport');
    const ports = await SerialPort.list();
    return ports.map((port) => ({
      path: port.path,
      label: port.manufacturer ? `${port.path} (${port.manufacturer})` : port.path,
      adapter: null,
      vendorId: port.vendorId ?? null,
      productId: port.productId ?? null,
      serialNumber: port.serialNumber ?? null,
      virtual: false,
    }));
  };
}
