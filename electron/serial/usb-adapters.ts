/**
 * USB-serial adapters found on ESP boards, by USB vendor:product id, so the port list can say
 * "Silicon Labs CP210x" instead of "/dev/ttyUSB0" and the engine can pick the reset sequence
 * (Espressif's own USB-JTAG-serial wants a different one).
 */
export interface UsbAdapter {
  name: string;
  /** Espressif's built-in USB-JTAG-serial (ESP32-C3/S3): needs the usb-reset sequence. */
  usbJtagSerial: boolean;
  /** The chip's own USB (no separate adapter chip). */
  nativeUsb: boolean;
  /** The fastest standard baud the adapter chip's datasheet promises (auto baud tries no higher). */
  maxBaud: number;
}

/** For adapters Kiln does not know: the rate every common adapter and the ESP stubs handle. */
export const UNKNOWN_ADAPTER_MAX_BAUD = 921_600;

export const ESPRESSIF_VID = 0x303a;
export const USB_JTAG_SERIAL_PID = 0x1001;

/** name and datasheet maximum baud; where one id covers several parts (CP2102 vs CP2102N), the slower. */
const ADAPTERS: ReadonlyMap<string, { name: string; maxBaud: number }> = new Map([
  ['10c4:ea60', { name: 'Silicon Labs CP210x', maxBaud: 921_600 }],
  ['10c4:ea70', { name: 'Silicon Labs CP2105', maxBaud: 2_000_000 }],
  ['10c4:ea71', { name: 'Silicon Labs CP2108', maxBaud: 2_000_000 }],
  ['1a86:7523', { name: 'WCH CH340', maxBaud: 2_000_000 }],
  ['1a86:5523', { name: 'WCH CH341', maxBaud: 2_000_000 }],
  ['1a86:55d4', { name: 'WCH CH9102', maxBaud: 2_000_000 }],
  ['1a86:55d3', { name: 'WCH CH343', maxBaud: 2_000_000 }],
  ['0403:6001', { name: 'FTDI FT232R', maxBaud: 2_000_000 }],
  ['0403:6010', { name: 'FTDI FT2232', maxBaud: 2_000_000 }],
  ['0403:6014', { name: 'FTDI FT232H', maxBaud: 2_000_000 }],
  ['0403:6015', { name: 'FTDI FT231X', maxBaud: 2_000_000 }],
  ['067b:2303', { name: 'Prolific PL2303', maxBaud: 921_600 }],
]);

const key = (vid: number, pid: number): string => `${vid.toString(16).padStart(4, '0')}:${pid.toString(16).padStart(4, '0')}`;

export function describeUsbAdapter(vendorId: number, productId: number): UsbAdapter | null {
  if (vendorId === ESPRESSIF_VID) {
    // USB end to end: the baud is a label, there is nothing to gain by raising it.
    if (productId === USB_JTAG_SERIAL_PID) return { name: 'Espressif USB-JTAG-serial', usbJtagSerial: true, nativeUsb: true, maxBaud: UNKNOWN_ADAPTER_MAX_BAUD };
    return { name: 'Espressif USB CDC', usbJtagSerial: false, nativeUsb: true, maxBaud: UNKNOWN_ADAPTER_MAX_BAUD };
  }
  const known = ADAPTERS.get(key(vendorId, productId));
  return known ? { ...known, usbJtagSerial: false, nativeUsb: false } : null;
}

/** The fastest baud worth trying through the adapter with these ids (unknown or missing ids: the safe default). */
export function adapterMaxBaud(vendorId: number | null, productId: number | null): number {
  return (vendorId !== null && productId !== null ? describeUsbAdapter(vendorId, productId)?.maxBaud : undefined) ?? UNKNOWN_ADAPTER_MAX_BAUD;
}

/** serialport reports ids as hex strings ("10c4", "EA60"); undefined or junk gives null. */
export function parseUsbId(text: string | undefined): number | null {
  if (!text || !/^(0x)?[0-9a-f]{1,4}$/i.test(text)) return null;
  return parseInt(text.replace(/^0x/i, ''), 16);
}
