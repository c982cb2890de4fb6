/**
 * Per-chip numbers of Espressif's firmware image format (esptool's "Firmware Image Format"
 * documentation and its chip descriptions): the codes written into header bytes 2 and 3, the
 * chip id of the extended header, where the ROM bootloader reads the first image from, and the
 * memory ranges used to tell an ESP8266 image from an ESP32-family one when no chip is known.
 * Pure data, shared by the image parser, the engine and the firmware fit checks.
 */
import type { ChipFamily } from '../../shared/types/chips';

export const IMAGE_MAGIC = 0xe9;
/** ESP8266 "version 2" image (SDK bootloader / rboot): a first header, the irom0 segment, then a 0xE9 image. */
export const ESP8266_V2_MAGIC = 0xea;
/** XOR checksum of all segment data starts from this value. */
export const CHECKSUM_SEED = 0xef;
/** The ESP-IDF bootloader refuses more; esptool warns past it. */
export const MAX_SEGMENTS = 16;
export const COMMON_HEADER_LENGTH = 8;
export const EXTENDED_HEADER_LENGTH = 16;
export const SEGMENT_HEADER_LENGTH = 8;
export const SHA256_LENGTH = 32;
/** "wp pin" value meaning "not set via efuse"; what esptool and ESP-IDF write by default. */
export const WP_PIN_DISABLED = 0xee;

export type FlashMode = 'qio' | 'qout' | 'dio' | 'dout';
/** Byte 2 of the header. */
export const FLASH_MODE_CODES: Readonly<Record<FlashMode, number>> = { qio: 0, qout: 1, dio: 2, dout: 3 };

export type Esp8266FlashSize = '512KB' | '256KB' | '1MB' | '2MB' | '4MB' | '2MB-c1' | '4MB-c1' | '8MB' | '16MB';
export type Esp32FlashSize = '1MB' | '2MB' | '4MB' | '8MB' | '16MB' | '32MB' | '64MB' | '128MB';
export type FlashSizeName = Esp8266FlashSize | Esp32FlashSize;
export type FlashFreq = '80m' | '40m' | '26m' | '20m';

/** High nibble of header byte 3. The ESP8266 numbering differs from the ESP32 family's. */
const ESP8266_SIZE_CODES: Readonly<Record<Esp8266FlashSize, number>> = {
  '512KB': 0x0,
  '256KB': 0x1,
  '1MB': 0x2,
  '2MB': 0x3,
  '4MB': 0x4,
  '2MB-c1': 0x5,
  '4MB-c1': 0x6,
  '8MB': 0x8,
  '16MB': 0x9,
};
const ESP32_FAMILY_SIZE_CODES: Readonly<Record<Esp32FlashSize, number>> = {
  '1MB': 0x0,
  '2MB': 0x1,
  '4MB': 0x2,
  '8MB': 0x3,
  '16MB': 0x4,
  '32MB': 0x5,
  '64MB': 0x6,
  '128MB': 0x7,
};
export const FLASH_SIZE_CODES: Readonly<Record<ChipFamily, Readonly<Partial<Record<FlashSizeName, number>>>>> = {
  esp8266: ESP8266_SIZE_CODES,
  esp32: ESP32_FAMILY_SIZE_CODES,
  esp32s2: ESP32_FAMILY_SIZE_CODES,
  esp32c3: ESP32_FAMILY_SIZE_CODES,
  esp32s3: ESP32_FAMILY_SIZE_CODES,
};

/** Low nibble of header byte 3. Same codes on every chip Kiln supports. */
const FREQ_CODES: Readonly<Record<FlashFreq, number>> = { '80m': 0xf, '40m': 0x0, '26m': 0x1, '20m': 0x2 };
export const FLASH_FREQ_CODES: Readonly<Record<ChipFamily, Readonly<Partial<Record<FlashFreq, number>>>>> = {
  esp8266: FREQ_CODES,
  esp32: FREQ_CODES,
  esp32s2: FREQ_CODES,
  esp32c3: FREQ_CODES,
  esp32s3: FREQ_CODES,
};

/** Where the ROM bootloader looks for the first image; MicroPython's combined .bin is written here too. */
export const BOOTLOADER_OFFSETS: Readonly<Record<ChipFamily, number>> = {
  esp8266: 0x0,
  esp32: 0x1000,
  esp32s2: 0x1000,
  esp32c3: 0x0,
  esp32s3: 0x0,
};

/** Extended-header chip ids (ESP-IDF's esp_chip_id_t). The ESP8266 has no extended header. */
export const IMAGE_CHIP_IDS: Readonly<Record<Exclude<ChipFamily, 'esp8266'>, number>> = {
  esp32: 0,
  esp32s2: 2,
  esp32c3: 5,
  esp32s3: 9,
};
/** Chip ids of Espressif chips Kiln does not flash, so a message can name them instead of "unknown". */
export const OTHER_IMAGE_CHIP_NAMES: Readonly<Record<number, string>> = {
  12: 'ESP32-C2',
  13: 'ESP32-C6',
  16: 'ESP32-H2',
  18: 'ESP32-P4',
  20: 'ESP32-C61',
  23: 'ESP32-C5',
};

interface AddressRange {
  start: number;
  end: number;
}
/**
 * Where code may start executing (IRAM, or flash-mapped instruction space for app images) on each
 * chip. An ESP8266 image has no chip id, so its entry point (0x4010xxxx) is one of the two clues
 * that tell it apart from an ESP32-family image.
 */
export const ENTRY_RANGES: Readonly<Record<ChipFamily, readonly AddressRange[]>> = {
  esp8266: [{ start: 0x40100000, end: 0x40108000 }],
  esp32: [
    { start: 0x40080000, end: 0x400c0000 },
    { start: 0x400d0000, end: 0x40400000 },
  ],
  esp32s2: [
    { start: 0x40020000, end: 0x40072000 },
    { start: 0x40080000, end: 0x40b80000 },
  ],
  esp32c3: [
    { start: 0x4037c000, end: 0x403e0000 },
    { start: 0x42000000, end: 0x42800000 },
  ],
  esp32s3: [
    { start: 0x40370000, end: 0x403e0000 },
    { start: 0x42000000, end: 0x44000000 },
  ],
};
/** The ESP8266's loadable regions (DPORT, DRAM, IRAM, flash-mapped IROM): the other clue. */
export const ESP8266_LOAD_RANGES: readonly AddressRange[] = [
  { start: 0x3ff00000, end: 0x3ff00010 },
  { start: 0x3ffe8000, end: 0x40000000 },
  { start: 0x40100000, end: 0x40108000 },
  { start: 0x40201010, end: 0x402e1010 },
];

export function inRanges(address: number, ranges: readonly AddressRange[]): boolean {
  return ranges.some((r) => address >= r.start && address < r.end);
}

export function chipFromImageChipId(id: number): Exclude<ChipFamily, 'esp8266'> | null {
  for (const [chip, value] of Object.entries(IMAGE_CHIP_IDS)) {
    if (value === id) return chip as Exclude<ChipFamily, 'esp8266'>;
  }
  return null;
}

export function flashSizeNameFromCode(chip: ChipFamily, code: number): FlashSizeName | null {
  for (const [name, value] of Object.entries(FLASH_SIZE_CODES[chip])) {
    if (value === code) return name as FlashSizeName;
  }
  return null;
}

export function flashFreqNameFromCode(chip: ChipFamily, code: number): FlashFreq | null {
  for (const [name, value] of Object.entries(FLASH_FREQ_CODES[chip])) {
    if (value === code) return name as FlashFreq;
  }
  return null;
}

export function flashModeFromCode(code: number): FlashMode | null {
  for (const [name, value] of Object.entries(FLASH_MODE_CODES)) {
    if (value === code) return name as FlashMode;
  }
  return null;
}

/** "4MB" -> 4 MiB, "2MB-c1" -> 2 MiB (the -c1 suffix is a memory-map variant, not a size). */
export function flashSizeBytes(name: FlashSizeName): number {
  const match = /^(\d+)(KB|MB)/.exec(name);
  if (!match) throw new Error(`not a flash size name: ${name}`);
  return Number(match[1]) * (match[2] === 'KB' ? 1024 : 1024 * 1024);
}

/** The plain size name for a byte count on a chip ("1MB"), or null if the header cannot say it. */
export function flashSizeNameForBytes(chip: ChipFamily, bytes: number): FlashSizeName | null {
  for (const name of Object.keys(FLASH_SIZE_CODES[chip]) as FlashSizeName[]) {
    if (!name.includes('-') && flashSizeBytes(name) === bytes) return name;
  }
  return null;
}
