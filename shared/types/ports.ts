/** A serial port as the port picker shows it. */
export interface PortInfo {
  /** What to pass back to connect: "/dev/ttyUSB0", "COM3", or "virtual:esp32". */
  path: string;
  /** A person-readable name: "CP2102 USB to UART (Silicon Labs)", "Demo board (virtual ESP32)". */
  label: string;
  /** The USB adapter family, when the VID:PID is known: "Silicon Labs CP210x", "WCH CH340", … */
  adapter: string | null;
  vendorId: string | null;
  productId: string | null;
  serialNumber: string | null;
  /** A virtual board inside Kiln (the Demo board), not hardware. */
  virtual: boolean;
}

/**
 * Boards reach a computer through USB (or are Kiln's virtual ones); built-in UARTs such as
 * /dev/ttyS0 or COM1 almost never lead to one, so pickers hide them unless asked.
 */
export function isLikelyBoard(port: PortInfo): boolean {
  return port.virtual || port.vendorId !== null;
}

/** What `ports.list` answers and `ports.changed` carries: every port found, and why any source is missing. */
export interface PortListing {
  ports: PortInfo[];
  /** One line per source that failed ("Could not list serial ports: …"); the other sources' ports are still listed. */
  warnings: string[];
}
