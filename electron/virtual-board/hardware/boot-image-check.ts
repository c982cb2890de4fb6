import type { ChipFamily } from '../../../shared/types/chips';
import type { BootImageSummary, ChipDescription } from './chips/types';
import type { NorFlash } from './nor-flash';

/**
 * What the boot ROM checks before it jumps into flash, and what the board looks for to decide what
 * "runs" there. Written for the board (the ROM's view), independent of the engine's image parser.
 */

const MAGIC = 0xe9;
const MAX_SEGMENTS = 16;
const MAX_SEGMENT_LENGTH = 16 * 1024 * 1024;

export type BootProbe = { valid: true; image: BootImageSummary } | { valid: false; firstWord: number };

/**
 * A valid image at the chip's boot offset: magic 0xE9, 1..16 segments, (ESP32 family) an extended
 * header naming this chip, every segment inside the flash, and the XOR checksum of all segment data
 * (seed 0xEF) matching the byte the footer stores after zero padding to a 16-byte boundary.
 */
export function probeBootImage(flash: NorFlash, chip: ChipDescription): BootProbe {
  const base = chip.bootloaderOffset;
  const header = flash.read(base, 24);
  const firstWord = new DataView(header.buffer).getUint32(0, true);
  const invalid: BootProbe = { valid: false, firstWord };
  if (header[0] !== MAGIC) return invalid;
  const count = header[1] as number;
  if (count === 0 || count > MAX_SEGMENTS) return invalid;
  let pos = 8;
  if (chip.imageChipId !== null) {
    const chipId = (header[12] as number) | ((header[13] as number) << 8);
    if (chipId !== chip.imageChipId) return invalid;
    pos = 24;
  }
  const segments: BootImageSummary['segments'] = [];
  let checksum = 0xef;
  for (let i = 0; i < count; i++) {
    if (base + pos + 8 > flash.size) return invalid;
    const sh = flash.read(base + pos, 8);
    const view = new DataView(sh.buffer);
    const address = view.getUint32(0, true);
    const length = view.getUint32(4, true);
    if (length > MAX_SEGMENT_LENGTH || base + pos + 8 + length > flash.size) return invalid;
    const data = flash.read(base + pos + 8, length);
    for (let k = 0; k < data.length; k++) checksum ^= data[k] as number;
    segments.push({ address, length });
    pos += 8 + length;
  }
  const checksumAt = pos + 15 - (pos % 16);
  if (base + checksumAt >= flash.size) return invalid;
  const stored = flash.read(base + checksumAt, 1)[0] as number;
  if (stored !== (checksum & 0xff)) return invalid;
  return {
    valid: true,
    image: {
      segments,
      entry: new DataView(header.buffer).getUint32(4, true),
      checksum: stored,
      flashModeByte: header[2] as number,
      flashSizeFreqByte: header[3] as number,
    },
  };
}

export interface MicroPythonBuild {
  /** "v1.24.1" */
  version: string;
  /** "2024-11-29", when the banner has it. */
  date: string | null;
}

const MARKER = Buffer.from('MicroPython v', 'latin1');

/** Finds the "MicroPython v1.24.1 on 2024-11-29" banner string in the flash below `limit`. */
export function findMicroPythonBuild(flash: NorFlash, limit: number): MicroPythonBuild | null {
  const haystack = Buffer.from(flash.bytes.buffer, flash.bytes.byteOffset, Math.min(limit, flash.size));
  const at = haystack.indexOf(MARKER);
  if (at < 0) return null;
  const tail = haystack.subarray(at + MARKER.length - 1, at + MARKER.length + 80).toString('latin1');
  const match = /^(v\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.+-]+)?)(?: on (\d{4}-\d{2}-\d{2}))?/.exec(tail);
  if (!match || match[1] === undefined) return null;
  return { version: match[1], date: match[2] ?? null };
}

/**
 * Where MicroPython keeps its filesystem in flash, following its partition layouts:
 * - ESP32 family: the "vfs" partition from 0x200000 to the end on 4 MiB and larger chips
 *   (0x180000..0x200000 on 2 MiB, 0xC0000..0x100000 on 1 MiB);
 * - ESP8266: from 0x100000 on 2 MiB and larger chips, 0x90000 on 1 MiB, 0x60000 on 512 KiB,
 *   up to the last 16 KiB, which the SDK keeps for its RF calibration and system parameters.
 */
export function microPythonFilesystemRegion(chip: ChipFamily, flashSize: number): { offset: number; size: number } {
  if (chip === 'esp8266') {
    const end = flashSize - 0x4000;
    const offset = flashSize >= 0x200000 ? 0x100000 : flashSize >= 0x100000 ? 0x90000 : 0x60000;
    return { offset, size: Math.max(0, end - offset) };
  }
  if (flashSize >= 0x400000) return { offset: 0x200000, size: flashSize - 0x200000 };
  if (flashSize >= 0x200000) return { offset: 0x180000, size: 0x80000 };
  return { offset: 0xc0000, size: Math.max(0, Math.min(flashSize, 0x100000) - 0xc0000) };
}
