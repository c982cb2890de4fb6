/**
 * The MicroPython builds Kiln offers, and what each needs: which chip, how much flash, where the
 * file goes. MicroPython's download pages do not say this in a machine-readable way, so it is
 * Kiln's knowledge (from each board's description on micropython.org and its deploy notes):
 *   ESP8266_GENERIC             2 MB or more (the filesystem starts at the 2 MB point)
 *   ESP8266_GENERIC FLASH_1M    1 MB modules (ESP-01S, many ESP-12 clones)
 *   ESP8266_GENERIC FLASH_512K  512 KB modules (old ESP-01), no filesystem
 *   ESP32_GENERIC (+SPIRAM), ESP32_GENERIC_C3, _S2, _S3 (+SPIRAM_OCT): 4 MB or more
 * Write offsets are the chip's bootloader offset: MicroPython's .bin starts with the bootloader.
 */
import type { ChipFamily } from '../../shared/types/chips';
import { BOOTLOADER_OFFSETS } from '../esp/image-tables';
import type { ReleaseChannel } from '../../shared/types/firmware';

const KB = 1024;
const MB = 1024 * 1024;

export interface BuildTarget {
  boardId: string;
  variant: string | null;
  chip: ChipFamily;
  minFlashBytes: number;
  title: string;
}

export const BUILD_TARGETS: readonly BuildTarget[] = [
  { boardId: 'ESP8266_GENERIC', variant: null, chip: 'esp8266', minFlashBytes: 2 * MB, title: 'ESP8266 with 2 MB flash or more (NodeMCU, Wemos D1 mini)' },
  { boardId: 'ESP8266_GENERIC', variant: 'FLASH_1M', chip: 'esp8266', minFlashBytes: 1 * MB, title: 'ESP8266 with 1 MB flash (ESP-01S, some ESP-12)' },
  { boardId: 'ESP8266_GENERIC', variant: 'FLASH_512K', chip: 'esp8266', minFlashBytes: 512 * KB, title: 'ESP8266 with 512 KB flash (old ESP-01), no filesystem' },
  { boardId: 'ESP32_GENERIC', variant: null, chip: 'esp32', minFlashBytes: 4 * MB, title: 'ESP32 (WROOM and most dev boards)' },
  { boardId: 'ESP32_GENERIC', variant: 'SPIRAM', chip: 'esp32', minFlashBytes: 4 * MB, title: 'ESP32 with PSRAM (WROVER)' },
  { boardId: 'ESP32_GENERIC_C3', variant: null, chip: 'esp32c3', minFlashBytes: 4 * MB, title: 'ESP32-C3' },
  { boardId: 'ESP32_GENERIC_S2', variant: null, chip: 'esp32s2', minFlashBytes: 4 * MB, title: 'ESP32-S2' },
  { boardId: 'ESP32_GENERIC_S3', variant: null, chip: 'esp32s3', minFlashBytes: 4 * MB, title: 'ESP32-S3' },
  { boardId: 'ESP32_GENERIC_S3', variant: 'SPIRAM_OCT', chip: 'esp32s3', minFlashBytes: 4 * MB, title: 'ESP32-S3 with octal PSRAM (N8R8, N16R8)' },
];

/** Board pages to read on refresh, once each. */
export const CATALOG_BOARD_IDS: readonly string[] = [...new Set(BUILD_TARGETS.map((t) => t.boardId))];

export function findTarget(boardId: string, variant: string | null): BuildTarget | undefined {
  return BUILD_TARGETS.find((t) => t.boardId === boardId && t.variant === variant);
}

export function writeOffsetFor(chip: ChipFamily): number {
  return BOOTLOADER_OFFSETS[chip];
}

/** What a MicroPython firmware file name says about itself. */
export interface FirmwareFileName {
  fileName: string;
  boardId: string;
  variant: string | null;
  /** "2026-04-06". */
  date: string;
  /** Without the "v": "1.28.0" or "1.28.0-preview.12.gabc123". */
  version: string;
  channel: ReleaseChannel;
}

/**
 * MicroPython names its files BOARD[-VARIANT]-YYYYMMDD-vVERSION.bin. Board ids and variants are
 * upper-case with underscores and digits, so the dash-separated parts are unambiguous once the
 * board id is known.
 */
const FILE_NAME = /^([A-Z0-9_]+?)(?:-([A-Z0-9_]+))?-(\d{4})(\d{2})(\d{2})-v(\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.+-]+)?)\.bin$/;

export function parseFirmwareFileName(fileName: string): FirmwareFileName | null {
  const m = FILE_NAME.exec(fileName);
  if (!m) return null;
  const [, boardId, variant, y, mo, d, version] = m;
  if (!boardId || !y || !mo || !d || !version) return null;
  return {
    fileName,
    boardId,
    variant: variant ?? null,
    date: `${y}-${mo}-${d}`,
    version,
    channel: version.includes('preview') ? 'preview' : 'stable',
  };
}

/** The id of a catalog entry: its file name without ".bin". */
export function entryIdFor(fileName: string): string {
  return fileName.replace(/\.bin$/, '');
}

/** Orders versions "1.9.0" < "1.28.0-preview.3" < "1.28.0" < "1.28.1". */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = '', pre] = v.split(/-(.*)/s, 2);
    const nums = core.split('.').map((n) => Number(n));
    const preNum = pre ? Number(/preview\.(\d+)/.exec(pre)?.[1] ?? 0) : Infinity;
    return { nums, pre: pre !== undefined, preNum };
  };
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < Math.max(pa.nums.length, pb.nums.length); i += 1) {
    const diff = (pa.nums[i] ?? 0) - (pb.nums[i] ?? 0);
    if (diff !== 0) return diff;
  }
  if (pa.pre !== pb.pre) return pa.pre ? -1 : 1;
  if (pa.pre && pb.pre && pa.preNum !== pb.preNum) return pa.preNum - pb.preNum;
  return 0;
}
