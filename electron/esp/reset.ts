/**
 * Reset strategies: named DTR/RTS sequences, each a tiny object. On the usual boards (NodeMCU,
 * DevKitC) two transistors turn DTR/RTS into GPIO0 (BOOT) and EN (RESET): EN is pulled low only
 * while RTS is asserted without DTR, GPIO0 only while DTR is asserted without RTS. The chip picks
 * its boot mode from GPIO0 when EN rises, so "download mode" means: hold EN low, release it while
 * GPIO0 is low, then release GPIO0. Timings follow esptool's.
 */
import type { Link, ModemSignals } from '../serial/link';

export interface ResetStrategy {
  readonly name: string;
  run(link: Link): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** esptool's default time GPIO0 is held low after EN rises, and the longer variant for slow boards. */
export const DEFAULT_RESET_DELAY_MS = 50;
export const EXTRA_RESET_DELAY_MS = 550;

const set = (link: Link, signals: ModemSignals): Promise<void> => link.setSignals(signals);

/** Classic auto-reset, one line at a time (what works on Windows and with most adapters). */
export function classicReset(delayMs = DEFAULT_RESET_DELAY_MS): ResetStrategy {
  return {
    name: `classic (${delayMs} ms)`,
    async run(link) {
      await set(link, { dtr: false, rts: true }); // GPIO0 high, EN low: chip held in reset
      await sleep(100);
      await set(link, { dtr: true, rts: true }); // transient: both asserted leaves both lines high
      await set(link, { dtr: true, rts: false }); // GPIO0 low, EN high: chip starts in download mode
      await sleep(delayMs);
      await set(link, { dtr: false, rts: false }); // release GPIO0
    },
  };
}

/**
 * The variant that switches both lines in one step, so the chip never sees an intermediate
 * state (esptool's UnixTightReset). Tried first on Linux and macOS.
 */
export function tightReset(delayMs = DEFAULT_RESET_DELAY_MS): ResetStrategy {
  return {
    name: `tight (${delayMs} ms)`,
    async run(link) {
      await set(link, { dtr: false, rts: false });
      await set(link, { dtr: true, rts: true });
      await set(link, { dtr: false, rts: true }); // EN low: in reset
      await sleep(100);
      await set(link, { dtr: true, rts: false }); // EN high with GPIO0 low: download mode
      await sleep(delayMs);
      await set(link, { dtr: false, rts: false });
    },
  };
}

/**
 * Chips with Espressif's USB-JTAG-serial peripheral (VID 0x303A) interpret DTR/RTS themselves:
 * the sequence passes through "both asserted" rather than "both released".
 */
export function usbJtagSerialReset(): ResetStrategy {
  return {
    name: 'USB-JTAG-serial',
    async run(link) {
      await set(link, { dtr: false, rts: false }); // idle
      await sleep(100);
      await set(link, { dtr: true, rts: false }); // GPIO0 low
      await sleep(100);
      await set(link, { dtr: false, rts: true }); // reset, reached through (1,1) on the chip side
      await sleep(100);
      await set(link, { dtr: false, rts: false }); // out of reset
    },
  };
}

/** The board is already in download mode (or the user puts it there by hand). */
export const noReset: ResetStrategy = {
  name: 'none',
  async run() {},
};

/** Pulse EN with GPIO0 released: the chip restarts into its app. USB-JTAG-serial needs longer pulses. */
export function hardResetSequence(usesUsbJtagSerial = false): ResetStrategy {
  return {
    name: 'hard reset',
    async run(link) {
      await set(link, { dtr: false, rts: true });
      await sleep(usesUsbJtagSerial ? 200 : 100);
      await set(link, { dtr: false, rts: false });
      if (usesUsbJtagSerial) await sleep(200);
    },
  };
}

export type BeforeAction = 'default-reset' | 'usb-reset' | 'no-reset';
export type AfterAction = 'hard-reset' | 'no-reset';

/** The strategies a connect cycles through, as esptool does on Unix-like systems. */
export function resetSequence(before: BeforeAction): ResetStrategy[] {
  switch (before) {
    case 'no-reset':
      return [noReset];
    case 'usb-reset':
      return [usbJtagSerialReset()];
    case 'default-reset':
      return [tightReset(DEFAULT_RESET_DELAY_MS), tightReset(EXTRA_RESET_DELAY_MS), classicReset(DEFAULT_RESET_DELAY_MS), classicReset(EXTRA_RESET_DELAY_MS)];
  }
}
