/** User settings, persisted by the main process in the app data directory. */
export interface Settings {
  /** Show the virtual "Demo board" in the port list, to try Kiln without hardware. */
  demoBoard: boolean;
  /**
   * Baud rate for writing once the flasher stub runs; 'auto' tries the fastest rates the USB
   * adapter allows and keeps the first that passes a link check.
   */
  flashBaud: FlashBaud;
}

export type FlashBaud = number | 'auto';

export const DEFAULT_SETTINGS: Settings = {
  demoBoard: false,
  flashBaud: 'auto',
};

/** Baud rates offered in the UI; the ROM always starts at 115200. */
export const FLASH_BAUD_RATES = [115200, 230400, 460800, 921600, 1500000] as const;
