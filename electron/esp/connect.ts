/**
 * Getting the ROM loader's attention: reset into download mode, then SYNC in bursts, several
 * attempts with different reset timings. Between attempts the bytes that are not packets (the
 * ROM's boot log) tell what went wrong, so the final error can say "the board booted its app"
 * rather than just "failed".
 */
import { ModemLinesUnsupportedError } from '../serial/link';
import { CommandTimeoutError, ConnectError, throwIfAborted } from './errors';
import type { EspLoader } from './loader';
import { resetSequence, sleep, type BeforeAction } from './reset';

export interface ConnectOptions {
  before?: BeforeAction;
  /** Reset-and-sync rounds before giving up (esptool: 7). */
  attempts?: number;
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

export interface ConnectResult {
  /** SYNC replies carried value 0: the flasher stub from an earlier session is still running. */
  stubDetected: boolean;
  /** False when the port could not drive DTR/RTS (a pty, some Bluetooth bridges). */
  modemLines: boolean;
}

export const DEFAULT_CONNECT_ATTEMPTS = 7;
const SYNCS_PER_ATTEMPT = 5;

export type FailureReason = ConnectError['reason'];

export interface BootLogReading {
  reason: FailureReason;
  /** e.g. "0x13 (SPI_FAST_FLASH_BOOT)" or "(3,7)". */
  bootMode?: string;
}

/**
 * Reads what the chip printed after reset. ESP32-family ROMs print "rst:… boot:0x13
 * (SPI_FAST_FLASH_BOOT)" and add "waiting for download" in download mode; the ESP8266 prints
 * "boot mode:(3,7)" (1 = UART download, 3 = flash) but at 74880 baud, so at 115200 it usually
 * arrives as unreadable bytes.
 */
export function readBootLog(log: Uint8Array): BootLogReading {
  const text = Buffer.from(log).toString('latin1');
  const esp32 = /boot:(0x[0-9a-fA-F]+)(?:\s*\(([^)]*)\))?([\s\S]*waiting for download)?/.exec(text);
  if (esp32) {
    const mode = esp32[2] ? `${esp32[1]} (${esp32[2]})` : esp32[1]!;
    return esp32[3] ? { reason: 'no-sync-reply', bootMode: mode } : { reason: 'wrong-boot-mode', bootMode: mode };
  }
  const esp8266 = /boot mode:\((\d+),(\d+)\)/.exec(text);
  if (esp8266) {
    const mode = `(${esp8266[1]},${esp8266[2]})`;
    return esp8266[1] === '1' ? { reason: 'no-sync-reply', bootMode: mode } : { reason: 'wrong-boot-mode', bootMode: mode };
  }
  return { reason: log.length > 0 ? 'garbage' : 'no-data' };
}

const PRIORITY: Record<FailureReason, number> = { 'wrong-boot-mode': 3, 'no-sync-reply': 2, garbage: 1, 'no-data': 0 };

const WHAT_TO_DO = [
  'Put the board into download mode by hand: hold BOOT/FLASH (GPIO0 low), tap RESET/EN, release BOOT, then try again.',
  'On a bare ESP-07/ESP-12 module, GPIO15 must be tied low and GPIO2 high (and EN high) for it to start at all.',
  'Try another USB cable (some only charge) or a lower baud rate.',
  "Make sure the USB-serial adapter's driver is installed (CP210x or CH340).",
];

export function connectFailureMessage(reading: BootLogReading, modemLines: boolean): string {
  let headline: string;
  switch (reading.reason) {
    case 'wrong-boot-mode':
      headline = `The board started its program instead of the bootloader (boot mode ${reading.bootMode ?? '?'}): it was not put into download mode.`;
      break;
    case 'no-sync-reply':
      headline = `The board is in download mode (boot mode ${reading.bootMode ?? '?'}) but never answered: its TX line to the computer seems broken.`;
      break;
    case 'garbage':
      headline = 'The board sent data Kiln could not read: it is probably running its program (or talking at another baud rate), not waiting in the bootloader.';
      break;
    case 'no-data':
      headline = 'No data at all came from the board.';
      break;
  }
  const lines = [`Could not connect to the board. ${headline}`];
  if (!modemLines) lines.push('This port cannot drive DTR/RTS, so Kiln could not reset the board into download mode itself.');
  lines.push(...WHAT_TO_DO.map((tip) => `- ${tip}`));
  return lines.join('\n');
}

export async function connectLoader(loader: EspLoader, options: ConnectOptions = {}): Promise<ConnectResult> {
  const link = loader.channel.link;
  const channel = loader.channel;
  const strategies = resetSequence(options.before ?? 'default-reset');
  const attempts = Math.max(1, options.attempts ?? DEFAULT_CONNECT_ATTEMPTS);
  let modemLines = true;
  let worst: BootLogReading = { reason: 'no-data' };

  for (let attempt = 0; attempt < attempts; attempt++) {
    throwIfAborted(options.signal);
    const strategy = strategies[attempt % strategies.length]!;
    if (strategy.name !== 'none' && modemLines) {
      channel.flushInput();
      channel.takeStray();
      try {
        await strategy.run(link);
      } catch (error) {
        if (!(error instanceof ModemLinesUnsupportedError)) throw error;
        modemLines = false;
        options.onWarning?.(`${link.path} cannot drive DTR/RTS: no auto-reset. If the board is not already in download mode, hold BOOT and tap RESET.`);
      }
      // Let the boot log arrive; a running app may print without end, so the wait is bounded.
      await channel.settle(30, 150);
    }

    for (let sync = 0; sync < SYNCS_PER_ATTEMPT; sync++) {
      throwIfAborted(options.signal);
      try {
        channel.flushInput();
        const { stubDetected } = await loader.sync();
        return { stubDetected, modemLines };
      } catch (error) {
        if (!(error instanceof CommandTimeoutError)) throw error;
        await sleep(50);
      }
    }
    const reading = readBootLog(channel.takeStray());
    if (PRIORITY[reading.reason] >= PRIORITY[worst.reason]) worst = reading;
  }
  throw new ConnectError(worst.reason, connectFailureMessage(worst, modemLines));
}
