/**
 * A session: one board behind one link, connected to its loader (ROM or stub). It owns its link,
 * channel, decoder and chip description; nothing here is shared between boards, so many sessions
 * run side by side (classroom mode).
 */
import type { FlashInfo } from '../../shared/types/device';
import type { Link } from '../serial/link';
import type { ChipDefinition } from './chips';
import { Op } from './command';
import { connectLoader, type ConnectOptions } from './connect';
import { detectChip } from './detect-chip';
import { ConnectError, EspError, throwIfAborted } from './errors';
import { decodeJedecId, looksAbsent } from './flash-chips';
import { EspLoader } from './loader';
import { ProgressTracker, reportStage, type OperationContext } from './progress';
import { resetIntoApp } from './operations/hard-reset';
import { selectFastestBaud } from './operations/link-speed';
import { sleep, type AfterAction, type BeforeAction } from './reset';
import { SlipChannel } from './slip-channel';
import { readJedecId } from './spi-flash';
import { loadPackagedStub, startStub, type StubSource } from './stub';
import { BAUD_SWITCH_SETTLE_MS, DEFAULT_TIMEOUT_MS } from './timeouts';

/** Every ROM loader listens at this baud after reset (and auto-detects others at SYNC). */
export const ROM_BAUD = 115200;

export interface SessionOptions extends OperationContext {
  before?: BeforeAction;
  /** Upload the flasher stub (default). false = "--no-stub": ROM loader only. */
  useStub?: boolean;
  /** Baud for the session's work; Kiln connects at min(115200, this) and switches after the stub runs. */
  baudRate?: number;
  connectAttempts?: number;
  /** Non-fatal problems (no auto-reset, stub fallback, baud kept); also collected in session.warnings. */
  onWarning?: (message: string) => void;
  /** Where the stub comes from (tests inject one). */
  stubSource?: StubSource;
  /** The port is Espressif's USB-JTAG-serial (VID 0x303A): longer reset pulses. */
  usbJtagSerial?: boolean;
  /**
   * Auto baud: once the stub runs, try the fastest standard rates up to `maxBaud` (the adapter's
   * limit) and keep the first that passes a link check; `baudRate` is then ignored.
   */
  autoBaud?: { maxBaud: number };
}

/** How the session came to talk to a stub (or not). */
export type StubState = 'uploaded' | 'already-running' | 'not-requested' | 'failed';

export class EspSession {
  readonly warnings: string[] = [];
  /** Which baud rates were tried or left, and why (auto baud, steps down mid-transfer): said in the UI. */
  readonly baudNotes: string[] = [];
  stubState: StubState = 'not-requested';
  /**
   * Espressif's stub inflates into one 32 KiB buffer that FLASH_DEFL_BEGIN does not empty: bytes
   * of a compressed stream that never ended (interrupted in this session, or in an earlier one
   * whose stub is still running) would be written first at the next stream's offset. While this
   * is true, writeFlash empties the buffer before a compressed write (write-flash.ts).
   */
  stubInflateBufferDirty = false;
  /** False once the board was reset into its app; reconnect() brings it back. */
  inLoader = true;
  modemLines = true;
  private flash: FlashInfo | null | undefined;

  constructor(
    readonly link: Link,
    readonly channel: SlipChannel,
    readonly loader: EspLoader,
    public chip: ChipDefinition,
    readonly options: SessionOptions,
  ) {}

  get usingStub(): boolean {
    return this.loader.isStub;
  }

  get baudRate(): number {
    return this.link.baudRate;
  }

  warn(message: string): void {
    this.warnings.push(message);
    this.options.onWarning?.(message);
  }

  readReg = (address: number): Promise<number> => this.loader.readReg(address);

  /** The flash chip's JEDEC identity (read once through the SPI registers); null if no flash answers. */
  async flashInfo(): Promise<FlashInfo | null> {
    if (this.flash !== undefined) return this.flash;
    this.ensureInLoader();
    const id = await readJedecId(this.loader, this.chip.spi);
    this.flash = looksAbsent(id) ? null : decodeJedecId(id);
    const size = this.flash?.sizeBytes;
    // Tell the loader the real geometry, as esptool does before flash work (the ESP8266 ROM lacks the command).
    if (size && (this.usingStub || this.chip.rom.setParams)) await this.loader.spiSetParams(size);
    return this.flash;
  }

  /** Flash size in bytes, from the JEDEC id; null when unknown. */
  async flashSize(): Promise<number | null> {
    return (await this.flashInfo())?.sizeBytes ?? null;
  }

  ensureInLoader(): void {
    if (!this.inLoader) throw new EspError('not-in-loader', 'The board was reset into its program. Reconnect before flashing again.');
  }

  /** Connects again over the same link (after a hard reset, an unplug-replug, or to recover). */
  async reconnect(overrides: Partial<SessionOptions> = {}): Promise<void> {
    const fresh = await establish(this.link, this.channel, this.loader, { ...this.options, ...overrides }, (m) => this.warn(m));
    this.chip = fresh.chip;
    this.modemLines = fresh.modemLines;
    this.stubState = fresh.stubState;
    this.stubInflateBufferDirty = fresh.stubState === 'already-running';
    this.baudNotes.push(...fresh.baudNotes);
    this.flash = undefined;
    this.inLoader = true;
  }

  /** Leaves the board as asked ('hard-reset' starts the app) and closes the link. */
  async close(after: AfterAction = 'no-reset'): Promise<void> {
    try {
      if (after === 'hard-reset' && this.link.isOpen && this.inLoader) {
        await resetIntoApp(this);
      }
    } finally {
      if (this.link.isOpen) await this.link.close();
    }
  }
}

interface Established {
  chip: ChipDefinition;
  modemLines: boolean;
  stubState: StubState;
  baudNotes: string[];
}

async function establish(link: Link, channel: SlipChannel, loader: EspLoader, options: SessionOptions, warn: (m: string) => void): Promise<Established> {
  const { onProgress, signal } = options;
  const targetBaud = options.baudRate ?? ROM_BAUD;
  const connectBaud = Math.min(ROM_BAUD, targetBaud);
  if (link.baudRate !== connectBaud) await link.setBaudRate(connectBaud);
  loader.isStub = false;

  reportStage(onProgress, 'connecting', `Connecting to ${link.path}`);
  const connectOptions: ConnectOptions = { before: options.before ?? 'default-reset', onWarning: warn };
  if (options.connectAttempts !== undefined) connectOptions.attempts = options.connectAttempts;
  if (signal) connectOptions.signal = signal;
  let connected: Awaited<ReturnType<typeof connectLoader>>;
  try {
    connected = await connectLoader(loader, connectOptions);
  } catch (error) {
    // Without a reset, a stub left running by an earlier session still talks at that session's
    // baud (the ROM would auto-detect any): try the target baud before giving up.
    if (!(error instanceof ConnectError) || connectOptions.before !== 'no-reset' || targetBaud === connectBaud) throw error;
    await link.setBaudRate(targetBaud);
    try {
      connected = await connectLoader(loader, { ...connectOptions, attempts: 2 });
    } catch {
      await link.setBaudRate(connectBaud);
      throw error;
    }
  }
  let chip = await detectChip(loader);
  let stubState: StubState = 'not-requested';

  if (connected.stubDetected) {
    // A stub from an earlier session without reset is still running: use it as is.
    loader.isStub = true;
    stubState = 'already-running';
  } else if (options.useStub ?? true) {
    throwIfAborted(signal);
    const stub = await (options.stubSource ?? loadPackagedStub)(chip);
    const tracker = new ProgressTracker('uploading-stub', stub.text.length + stub.data.length, onProgress, 'Uploading the flasher stub');
    const started = await startStub(loader, chip, stub, (done) => tracker.update(done));
    if (started) {
      loader.isStub = true;
      stubState = 'uploaded';
    } else {
      stubState = 'failed';
      warn(`The flasher stub did not start on the ${chip.name} (no greeting); continuing with the ROM loader, which is slower${chip.rom.readFlashSlow ? '' : ' and cannot read flash'}.`);
      // The stub may have crashed the chip: reset into the bootloader again (or re-sync where we can't reset).
      const again = await connectLoader(loader, {
        before: connected.modemLines ? 'default-reset' : 'no-reset',
        attempts: 3,
        onWarning: () => {},
        ...(signal ? { signal } : {}),
      });
      chip = await detectChip(loader);
      loader.isStub = again.stubDetected;
      if (again.stubDetected) stubState = 'already-running';
    }
  }

  const baudNotes: string[] = [];
  if (!options.autoBaud && targetBaud !== link.baudRate) {
    if (loader.isStub || chip.rom.changeBaud) {
      reportStage(onProgress, 'changing-baud', `Changing baud rate to ${targetBaud}`);
      await switchBaud(loader, link, targetBaud);
    } else {
      warn(`The ${chip.name} ROM loader cannot change the baud rate; staying at ${link.baudRate} baud.`);
    }
  }

  // Make the SPI flash reachable. The ESP8266 ROM has no SPI_ATTACH; an empty FLASH_BEGIN does it.
  if (loader.isStub || chip.rom.spiAttach) {
    await loader.spiAttach();
  } else {
    await loader.flashBegin(Op.FLASH_BEGIN, { size: 0, blocks: 0, blockSize: chip.blockSizes.romFlash, offset: 0, encryptWord: false }, DEFAULT_TIMEOUT_MS);
  }

  if (options.autoBaud) {
    // After the attach: the link check hashes flash.
    const target = { link, loader, channel, chip, get usingStub() { return loader.isStub; } };
    const choice = await selectFastestBaud(target, options.autoBaud.maxBaud, { ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) });
    baudNotes.push(...choice.notes);
    reportStage(onProgress, 'changing-baud', `Working at ${choice.baud} baud`);
  }
  return { chip, modemLines: connected.modemLines, stubState, baudNotes };
}

/** CHANGE_BAUDRATE, then both sides switch; what arrives during the switch is noise. */
export async function switchBaud(loader: EspLoader, link: Link, baud: number): Promise<void> {
  await loader.changeBaud(baud, link.baudRate);
  await link.setBaudRate(baud);
  await sleep(BAUD_SWITCH_SETTLE_MS);
  loader.channel.flushInput();
}

/**
 * Connects to the board behind `link`: reset into download mode, sync, detect the chip, start
 * the stub (or recognise one still running), switch baud, attach the flash.
 */
export async function openSession(link: Link, options: SessionOptions = {}): Promise<EspSession> {
  const channel = new SlipChannel(link);
  const loader = new EspLoader(channel);
  const warnings: string[] = [];
  const established = await establish(link, channel, loader, options, (m) => {
    warnings.push(m);
    options.onWarning?.(m);
  });
  const session = new EspSession(link, channel, loader, established.chip, options);
  session.warnings.push(...warnings);
  session.modemLines = established.modemLines;
  session.stubState = established.stubState;
  session.stubInflateBufferDirty = established.stubState === 'already-running';
  session.baudNotes.push(...established.baudNotes);
  return session;
}
