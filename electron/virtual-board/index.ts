/**
 * The virtual board: a model of an ESP8266 / ESP32-family board behind a USB serial adapter, for
 * tests, benchmarks and the "Demo board". It answers like the chip's ROM serial loader (and like
 * Espressif's flasher stub once one is uploaded), keeps NOR flash, wires DTR/RTS to IO0/EN the way
 * NodeMCU/DevKitC boards do, and times every byte on the link.
 */
import { CHIP_DISPLAY_NAMES, isChipFamily, type ChipFamily } from '../../shared/types/chips';
import type { Link } from '../serial/link';
import { VirtualBoardImpl } from './board';
import { chipDescription } from './hardware/chips';
import type { ConsoleRuntimeFactory } from './console-runtime';
import type { FaultOptions } from './wire/faults';
import { flashTimingScale, type FlashTiming } from './hardware/flash-timing';
import { loadFlashFile } from './hardware/flash-file';
import { deriveMac, parseMac } from './hardware/mac-address';
import { isPowerOfTwo } from './hardware/nor-flash';
import { defaultJedecId } from './hardware/spi-flash-chip';

export type { FaultOptions } from './wire/faults';
export type { FlashTiming } from './hardware/flash-timing';
export type { BoardState } from './board';

export interface VirtualBoardOptions {
  /** esp8266 and esp32 complete; esp32c3/s2/s3 from their small per-chip descriptions. */
  chip: ChipFamily;
  /** e.g. "Demo ESP32"; shown by the MicroPython banner and used to derive the default MAC. */
  name?: string;
  /** Bytes, a power of two; default 4 MiB. */
  flashSize?: number;
  /**
   * 24-bit JEDEC RDID as 0xMMTTCC: manufacturer, memory type, capacity, in the order the chip sends
   * them (Winbond W25Q32 = 0xEF4016). Default: Winbond, type 0x40, capacity matching flashSize.
   */
  jedecId?: number;
  /** "aa:bb:cc:dd:ee:ff"; default derived from the name (Espressif OUI + 3 hashed bytes). */
  mac?: string;
  /** Persist flash contents in this file: loaded at create, saved atomically on changes and close. */
  flashFile?: string;
  /** NodeMCU-style DTR/RTS -> IO0/EN circuit present (default true). */
  autoReset?: boolean;
  /** false: setSignals rejects ModemLinesUnsupportedError, like a pty (default true). */
  modemLines?: boolean;
  /** What IO0 is strapped to at power-on / for boards without auto-reset (default 'run'). */
  bootMode?: 'download' | 'run';
  /** Default { latencyMs: 1 }; false = bytes delivered at once (fast tests). */
  linkModel?: { latencyMs?: number } | false;
  faults?: FaultOptions;
  /**
   * How long erases and programs keep the flash busy: 'real' (typical datasheet times of the
   * chip's vendor), 'instant', or a scale of the real times (0.01 for quick tests). Default 'real',
   * except on an untimed board (linkModel false), where nothing else takes time either.
   */
  flashTiming?: FlashTiming;
  /** What runs after a reset into a MicroPython image; absent: the app runs silently. */
  runtime?: ConsoleRuntimeFactory;
}

export interface VirtualBoard {
  readonly chip: ChipFamily;
  readonly name: string;
  readonly flashSize: number;
  /** Plug in the USB cable: a new host-side Link (only one open at a time; a second connect() while one is open throws). */
  connect(path?: string): Link;
  /** Test access to flash contents (not through the protocol). */
  readFlash(offset: number, length: number): Uint8Array;
  writeFlashRaw(offset: number, data: Uint8Array): void;
  /** Erase cycles the flash model counted for a 4 KiB sector (its wear). */
  sectorEraseCount(sectorIndex: number): number;
  /** 'download-rom' | 'download-stub' | 'running-app' | 'boot-failed' | 'off' (unpowered or held in reset). */
  readonly state: string;
  /** Bytes each way on the wire so far (benchmarks divide by these). */
  readonly stats: { hostToBoard: number; boardToHost: number; rxOverruns: number };
  /** The physical buttons: tap RESET, optionally while holding BOOT (IO0 low). */
  pressReset(options?: { holdBoot?: boolean }): void;
  setFaults(faults: FaultOptions | undefined): void;
  /** Writes the flash file now, if the board has one and its flash changed (a CLI run about to exit). */
  saveFlash(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_FLASH_SIZE = 4 * 1024 * 1024;

export async function createVirtualBoard(options: VirtualBoardOptions): Promise<VirtualBoard> {
  return createVirtualBoardImpl(options);
}

/** Same as createVirtualBoard, typed as the implementation (the pty bridge and tests use its extras). */
export async function createVirtualBoardImpl(options: VirtualBoardOptions): Promise<VirtualBoardImpl> {
  if (!isChipFamily(options.chip)) {
    throw new Error(`"${String(options.chip)}" is not a chip the virtual board knows. Use esp8266, esp32, esp32c3, esp32s2 or esp32s3.`);
  }
  const chip = chipDescription(options.chip);
  const flashSize = options.flashSize ?? DEFAULT_FLASH_SIZE;
  if (!isPowerOfTwo(flashSize) || flashSize < 256 * 1024 || flashSize > 64 * 1024 * 1024) {
    throw new Error(`A flash size of ${flashSize} bytes is not available. Use a power of two from 256 KiB to 64 MiB, such as 4 MiB.`);
  }
  const jedecId = options.jedecId ?? defaultJedecId(flashSize);
  if (!Number.isInteger(jedecId) || jedecId < 0 || jedecId > 0xffffff) {
    throw new Error(`JEDEC id ${String(options.jedecId)} does not fit 24 bits. Give it as 0xMMTTCC, for example 0xEF4016.`);
  }
  const name = options.name ?? `Virtual ${CHIP_DISPLAY_NAMES[options.chip]}`;
  let mac: Uint8Array;
  if (options.mac !== undefined) {
    const parsed = parseMac(options.mac);
    if (!parsed) throw new Error(`"${options.mac}" is not a MAC address. Write it as six hex pairs, like aa:bb:cc:dd:ee:ff.`);
    mac = parsed;
  } else {
    mac = deriveMac(name, chip.defaultOui);
  }
  flashTimingScale(options.flashTiming); // refuse a bad value before anything is loaded
  const initialFlash = options.flashFile ? await loadFlashFile(options.flashFile, flashSize) : null;
  const model = options.linkModel ?? {};
  return new VirtualBoardImpl({
    chip,
    name,
    flashSize,
    jedecId,
    mac,
    autoReset: options.autoReset ?? true,
    modemLines: options.modemLines ?? true,
    bootMode: options.bootMode ?? 'run',
    timing: model === false ? null : { latencyMs: model.latencyMs ?? 1 },
    faults: options.faults,
    runtime: options.runtime,
    initialFlash,
    flashFile: options.flashFile,
    flashTiming: options.flashTiming ?? (model === false ? 'instant' : 'real'),
  });
}
