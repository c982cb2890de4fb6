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
}

export const ESPRESSIF_VID = 0x303a;
export const USB_JTAG_SERIAL_PID = 0x1001;

const ADAPTERS: ReadonlyMap<string, string> = new Map([
  ['10c4:ea60', 'Silicon Labs CP210x'],
  ['10c4:ea70', 'Silicon Labs CP2105'],
  ['10c4:ea71', 'Silicon Labs CP2108'],
  ['1a86:7523', 'WCH CH340'],
  ['1a86:5523', 'WCH CH341'],
  ['1a86:55d4', 'WCH CH9102'],
  ['1a86:55d3', 'WCH CH343'],
  ['0403:6001', 'FTDI FT232R'],
  ['0403:6010', 'FTDI FT2232'],
  ['0403:6014', 'FTDI FT232H'],
  ['0403:6015', 'FTDI FT231X'],
  ['067b:2303', 'Prolific PL2303'],
]);

const key = (vid: number, pid: number): string => `${vid.toString(16).padStart(4, '0')}:${pid.toString(16).padStart(4, '0')}`;

export function describeUsbAdapter(vendorId: number, productId: number): UsbAdapter | null {
  if (vendorId === ESPRESSIF_VID) {
    if (productId === USB_JTAG_SERIAL_PID) return { name: 'Espressif USB-JTAG-serial', usbJtagSerial: true, nativeUsb: true };
    return { name: 'Espressif USB CDC', usbJtagSerial: false, nativeUsb: true };
  }
  const name = ADAPTERS.get(key(vendorId, productId));
  return name ? { name, usbJtagSerial: false, nativeUsb: false } : null;
}

/** serialport reports ids as hex strings ("10c4", "EA60"); undefined or junk gives null. */
export function parseUsbId(text: string | undefined): number | null {
  if (!text || !/^(0x)?[0-9a-f]{1,4}$/i.test(text)) return null;
  return parseInt(text.replace(/^0x/i, ''), 16);
}
