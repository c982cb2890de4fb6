/**
 * Espressif firmware images as the ROM bootloader reads them: parse and validate, rewrite the
 * flash mode/size/frequency bytes, and build new ones (tests and the Demo board).
 *
 * Layout (all little-endian):
 *   header (8)     magic 0xE9, segment count, flash mode, size<<4|freq, entry point
 *   ext. header    ESP32 family only (16): wp pin, 3 drive bytes, chip id (u16), min rev (u8),
 *                  min rev full (u16), max rev full (u16), 4 reserved, hash-appended flag
 *   segments       load address (u32), length (u32), data
 *   footer         zero padding to one byte before a 16-byte boundary, XOR checksum seeded 0xEF,
 *                  then (ESP32 family, flag set) SHA-256 of everything before it.
 * Files often carry more after the image (MicroPython's combined .bin holds the partition table
 * and the app behind the bootloader, the ESP8266 build its irom0 text): that is `trailingBytes`.
 */
import { createHash } from 'node:crypto';
import type { ChipFamily } from '../../shared/types/chips';
import { CHIP_DISPLAY_NAMES } from '../../shared/types/chips';
import {
  CHECKSUM_SEED,
  COMMON_HEADER_LENGTH,
  ENTRY_RANGES,
  ESP8266_LOAD_RANGES,
  ESP8266_V2_MAGIC,
  EXTENDED_HEADER_LENGTH,
  FLASH_FREQ_CODES,
  FLASH_MODE_CODES,
  FLASH_SIZE_CODES,
  IMAGE_CHIP_IDS,
  IMAGE_MAGIC,
  MAX_SEGMENTS,
  OTHER_IMAGE_CHIP_NAMES,
  SEGMENT_HEADER_LENGTH,
  SHA256_LENGTH,
  WP_PIN_DISABLED,
  chipFromImageChipId,
  flashFreqNameFromCode,
  flashModeFromCode,
  flashSizeNameFromCode,
  inRanges,
  type FlashFreq,
  type FlashMode,
  type FlashSizeName,
} from './image-tables';

export * from './image-tables';

export type ImageErrorCode =
  | 'empty-file'
  | 'not-an-image'
  | 'truncated-header'
  | 'bad-segment-count'
  | 'truncated-segment'
  | 'truncated-checksum'
  | 'truncated-digest'
  | 'invalid-option';

/** A file that is not a usable firmware image. `message` is written for the person holding the file. */
export class ImageError extends Error {
  readonly code: ImageErrorCode;
  constructor(code: ImageErrorCode, message: string) {
    super(message);
    this.name = 'ImageError';
    this.code = code;
  }
}

export type ImageFormat = 'esp8266' | 'esp8266-v2' | 'esp32-family';

export interface ImageSegment {
  loadAddress: number;
  length: number;
  /** Offset of the segment's data (after its 8-byte header) in the file. */
  dataOffset: number;
}

export interface ExtendedHeader {
  wpPin: number;
  spiPinDrive: [number, number, number];
  chipId: number;
  /** Deprecated single-byte minimum revision, kept for old bootloaders. */
  minChipRev: number;
  /** major * 100 + minor. */
  minChipRevFull: number;
  maxChipRevFull: number;
  hashAppended: boolean;
}

export interface ParsedImage {
  format: ImageFormat;
  /** 'esp8266' for ESP8266 layouts; from the chip id otherwise; null for an id Kiln does not support. */
  chip: ChipFamily | null;
  /** Name for people when `chip` is null ("ESP32-C6", "chip id 0x0042"). */
  chipName: string;
  segmentCount: number;
  flashModeCode: number;
  flashMode: FlashMode | null;
  flashSizeCode: number;
  /** Name from the chip's table; null if the code is not in it or the chip is unknown. */
  flashSize: FlashSizeName | null;
  flashFreqCode: number;
  flashFreq: FlashFreq | null;
  entry: number;
  segments: ImageSegment[];
  /** Offset of the 0xE9 header holding bytes 2-3 (0, or after irom0 in a V2 image). */
  headerOffset: number;
  checksum: { offset: number; stored: number; computed: number; valid: boolean };
  extendedHeader: ExtendedHeader | null;
  sha256: { offset: number; stored: Uint8Array; computed: Uint8Array; valid: boolean } | null;
  /** ESP8266 V2 only: the irom0 segment stored before the second header (not in the checksum). */
  v2Irom: { length: number; dataOffset: number } | null;
  /** Bytes of the image proper, footer and digest included. */
  imageLength: number;
  /** File bytes after the image (partition table and app of a combined .bin, irom0 text...). */
  trailingBytes: number;
}

export interface ParseOptions {
  /** Parse with this chip's layout instead of guessing (the engine knows the chip). */
  chip?: ChipFamily;
}

const hex2 = (v: number): string => `0x${v.toString(16).toUpperCase().padStart(2, '0')}`;
const hex8 = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

function readU16(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
}
function readU32(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24)) >>> 0;
}
function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}
function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}
function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
/** The checksum sits on the last byte of a 16-byte block, counted from the start of the file. */
function checksumOffsetAfter(end: number): number {
  return end + (15 - (end % 16));
}

/** What a wrong first byte most likely means, so the message can say what to do. */
function describeWrongMagic(bytes: Uint8Array): string {
  const first = bytes[0] ?? 0;
  const start = `not a firmware image (first byte ${hex2(first)}, expected ${hex2(IMAGE_MAGIC)})`;
  const ascii = String.fromCharCode(...bytes.subarray(0, 8));
  if (first === 0x3c || /^\s*</.test(ascii)) return `${start} — is this an HTML page? Download the .bin file itself, not the page that links to it.`;
  if (first === 0x7f && ascii.startsWith('\x7fELF')) return `${start} — this is an ELF file; flash the .bin built from it.`;
  if (first === 0x50 && bytes[1] === 0x4b) return `${start} — this is a ZIP archive; unpack it and choose the .bin inside.`;
  if (first === 0x1f && bytes[1] === 0x8b) return `${start} — this is gzip-compressed; unpack it first.`;
  if (first === 0x3a) return `${start} — this looks like an Intel HEX file; choose the .bin build.`;
  if (first === 0xff) return `${start} — the file starts with erased flash (0xFF); it is not a firmware image.`;
  return `${start}. Choose a firmware .bin for an ESP8266 or ESP32 board.`;
}

interface Candidate {
  ok: true;
  image: ParsedImage;
  score: number;
}
interface Failure {
  ok: false;
  error: ImageError;
  score: number;
}

/** Walks segments, footer and digest from `segmentsStart`; throws ImageError on structure errors. */
function walkImage(
  bytes: Uint8Array,
  headerOffset: number,
  segmentsStart: number,
  withDigest: boolean,
): Pick<ParsedImage, 'segments' | 'checksum' | 'sha256' | 'imageLength'> {
  const count = bytes[headerOffset + 1] ?? 0;
  if (count === 0 || count > MAX_SEGMENTS) {
    throw new ImageError(
      'bad-segment-count',
      `not a usable firmware image: the header says ${count} segments (expected 1 to ${MAX_SEGMENTS}). The file is damaged or not a firmware image.`,
    );
  }
  const segments: ImageSegment[] = [];
  let pos = segmentsStart;
  let checksum = CHECKSUM_SEED;
  for (let i = 0; i < count; i += 1) {
    if (pos + SEGMENT_HEADER_LENGTH > bytes.length) {
      throw new ImageError(
        'truncated-segment',
        `truncated: the file ends before the header of segment ${i + 1} of ${count} (after ${bytes.length} bytes). The download was probably cut short; download it again.`,
      );
    }
    const loadAddress = readU32(bytes, pos);
    const length = readU32(bytes, pos + 4);
    const dataOffset = pos + SEGMENT_HEADER_LENGTH;
    if (dataOffset + length > bytes.length) {
      throw new ImageError(
        'truncated-segment',
        `truncated: segment ${i + 1} says ${length} bytes but the file ends after ${bytes.length - dataOffset}. The download was probably cut short, or this is not a firmware image; download it again.`,
      );
    }
    for (let j = dataOffset; j < dataOffset + length; j += 1) checksum ^= bytes[j] ?? 0;
    segments.push({ loadAddress, length, dataOffset });
    pos = dataOffset + length;
  }
  const checksumOffset = checksumOffsetAfter(pos);
  if (checksumOffset >= bytes.length) {
    throw new ImageError(
      'truncated-checksum',
      `truncated: the file ends before the image checksum (needs ${checksumOffset + 1} bytes, has ${bytes.length}). Download it again.`,
    );
  }
  const stored = bytes[checksumOffset] ?? 0;
  let end = checksumOffset + 1;
  let digest: ParsedImage['sha256'] = null;
  if (withDigest) {
    if (end + SHA256_LENGTH > bytes.length) {
      throw new ImageError(
        'truncated-digest',
        `truncated: the header says a SHA-256 digest follows the image, but the file ends ${bytes.length - end} bytes into it. Download it again.`,
      );
    }
    const computed = sha256(bytes.subarray(0, end));
    const storedDigest = bytes.slice(end, end + SHA256_LENGTH);
    digest = { offset: end, stored: storedDigest, computed, valid: equalBytes(storedDigest, computed) };
    end += SHA256_LENGTH;
  }
  return {
    segments,
    checksum: { offset: checksumOffset, stored, computed: checksum, valid: stored === checksum },
    sha256: digest,
    imageLength: end,
  };
}

function commonFields(bytes: Uint8Array, headerOffset: number, chip: ChipFamily | null) {
  const flashModeCode = bytes[headerOffset + 2] ?? 0;
  const sizeFreq = bytes[headerOffset + 3] ?? 0;
  const flashSizeCode = sizeFreq >> 4;
  const flashFreqCode = sizeFreq & 0x0f;
  return {
    segmentCount: bytes[headerOffset + 1] ?? 0,
    flashModeCode,
    flashMode: flashModeFromCode(flashModeCode),
    flashSizeCode,
    flashSize: chip ? flashSizeNameFromCode(chip, flashSizeCode) : null,
    flashFreqCode,
    flashFreq: chip ? flashFreqNameFromCode(chip, flashFreqCode) : null,
    entry: readU32(bytes, headerOffset + 4),
  };
}

function parseEsp8266(bytes: Uint8Array): ParsedImage {
  if (bytes.length < COMMON_HEADER_LENGTH) throw truncatedHeader(bytes.length, COMMON_HEADER_LENGTH);
  const walked = walkImage(bytes, 0, COMMON_HEADER_LENGTH, false);
  return {
    format: 'esp8266',
    chip: 'esp8266',
    chipName: CHIP_DISPLAY_NAMES.esp8266,
    ...commonFields(bytes, 0, 'esp8266'),
    headerOffset: 0,
    extendedHeader: null,
    v2Irom: null,
    ...walked,
    trailingBytes: bytes.length - walked.imageLength,
  };
}

function readExtendedHeader(bytes: Uint8Array): ExtendedHeader {
  const o = COMMON_HEADER_LENGTH;
  return {
    wpPin: bytes[o] ?? 0,
    spiPinDrive: [bytes[o + 1] ?? 0, bytes[o + 2] ?? 0, bytes[o + 3] ?? 0],
    chipId: readU16(bytes, o + 4),
    minChipRev: bytes[o + 6] ?? 0,
    minChipRevFull: readU16(bytes, o + 7),
    maxChipRevFull: readU16(bytes, o + 9),
    hashAppended: bytes[o + 15] === 1,
  };
}

function parseEsp32Family(bytes: Uint8Array): ParsedImage {
  const headerLength = COMMON_HEADER_LENGTH + EXTENDED_HEADER_LENGTH;
  if (bytes.length < headerLength) throw truncatedHeader(bytes.length, headerLength);
  const ext = readExtendedHeader(bytes);
  const chip = chipFromImageChipId(ext.chipId);
  const walked = walkImage(bytes, 0, headerLength, ext.hashAppended);
  return {
    format: 'esp32-family',
    chip,
    chipName: chip
      ? CHIP_DISPLAY_NAMES[chip]
      : (OTHER_IMAGE_CHIP_NAMES[ext.chipId] ?? `chip id 0x${ext.chipId.toString(16).padStart(4, '0')}`),
    ...commonFields(bytes, 0, chip),
    headerOffset: 0,
    extendedHeader: ext,
    v2Irom: null,
    ...walked,
    trailingBytes: bytes.length - walked.imageLength,
  };
}

/** ESP8266 V2: [0xEA header][irom0 segment, load address 0][0xE9 header + RAM segments + footer]. */
function parseEsp8266V2(bytes: Uint8Array): ParsedImage {
  if (bytes.length < COMMON_HEADER_LENGTH + SEGMENT_HEADER_LENGTH) {
    throw truncatedHeader(bytes.length, COMMON_HEADER_LENGTH + SEGMENT_HEADER_LENGTH);
  }
  const iromLength = readU32(bytes, COMMON_HEADER_LENGTH + 4);
  const iromData = COMMON_HEADER_LENGTH + SEGMENT_HEADER_LENGTH;
  const second = iromData + iromLength;
  if (second + COMMON_HEADER_LENGTH > bytes.length) {
    throw new ImageError(
      'truncated-segment',
      `truncated: the irom0 part of this ESP8266 V2 image says ${iromLength} bytes but the file ends after ${Math.max(0, bytes.length - iromData)}. Download it again.`,
    );
  }
  if (bytes[second] !== IMAGE_MAGIC) {
    throw new ImageError(
      'not-an-image',
      `not a valid ESP8266 V2 image: expected a second header (${hex2(IMAGE_MAGIC)}) at offset ${second}, found ${hex2(bytes[second] ?? 0)}. The file is damaged.`,
    );
  }
  const walked = walkImage(bytes, second, second + COMMON_HEADER_LENGTH, false);
  return {
    format: 'esp8266-v2',
    chip: 'esp8266',
    chipName: CHIP_DISPLAY_NAMES.esp8266,
    ...commonFields(bytes, second, 'esp8266'),
    headerOffset: second,
    extendedHeader: null,
    v2Irom: { length: iromLength, dataOffset: iromData },
    ...walked,
    trailingBytes: bytes.length - walked.imageLength,
  };
}

function truncatedHeader(have: number, need: number): ImageError {
  return new ImageError(
    'truncated-header',
    `truncated: a firmware image header needs ${need} bytes but the file has only ${have}. Download it again.`,
  );
}

/**
 * How much a layout looks like the real thing beyond "the segments fit": a known chip id, sane
 * extended-header bytes, an entry point and load addresses in the right chip's memory map.
 */
function plausibility(image: ParsedImage, bytes: Uint8Array): number {
  let score = 0;
  if (image.format === 'esp32-family' && image.extendedHeader) {
    const ext = image.extendedHeader;
    if (image.chip) score += 2;
    else if (OTHER_IMAGE_CHIP_NAMES[ext.chipId] !== undefined) score += 1;
    const flag = bytes[COMMON_HEADER_LENGTH + 15] ?? 0;
    if (flag <= 1) score += 1;
    if (bytes.subarray(COMMON_HEADER_LENGTH + 11, COMMON_HEADER_LENGTH + 15).every((b) => b === 0)) score += 1;
    if (image.chip && inRanges(image.entry, ENTRY_RANGES[image.chip])) score += 2;
    if (image.checksum.valid) score += 1;
    if (image.sha256?.valid) score += 2;
  } else {
    if (inRanges(image.entry, ENTRY_RANGES.esp8266)) score += 3;
    if (image.segments.every((s) => inRanges(s.loadAddress, ESP8266_LOAD_RANGES))) score += 3;
    if (image.checksum.valid) score += 1;
  }
  return score;
}

function attempt(bytes: Uint8Array, parse: (b: Uint8Array) => ParsedImage): Candidate | Failure {
  try {
    const image = parse(bytes);
    return { ok: true, image, score: plausibility(image, bytes) };
  } catch (error) {
    if (error instanceof ImageError) return { ok: false, error, score: -1 };
    throw error;
  }
}

/**
 * Parses a firmware image. With `options.chip` the layout is that chip's; without it the ESP8266
 * and ESP32-family layouts are both tried and the more plausible one wins (the ESP8266 header has
 * no chip id, so the extended header's bytes, entry point and load addresses decide).
 * Checksum and digest mismatches are reported in the result, not thrown: callers decide.
 */
export function parseImage(bytes: Uint8Array, options: ParseOptions = {}): ParsedImage {
  if (bytes.length === 0) {
    throw new ImageError('empty-file', 'empty file: it has no bytes at all. Choose the firmware .bin again, or download it again.');
  }
  const magic = bytes[0];
  if (magic === ESP8266_V2_MAGIC) {
    if (options.chip && options.chip !== 'esp8266') {
      throw new ImageError(
        'not-an-image',
        `this is an ESP8266 V2 image (first byte ${hex2(ESP8266_V2_MAGIC)}), not an ${CHIP_DISPLAY_NAMES[options.chip]} image.`,
      );
    }
    return parseEsp8266V2(bytes);
  }
  if (magic !== IMAGE_MAGIC) throw new ImageError('not-an-image', describeWrongMagic(bytes));
  if (options.chip === 'esp8266') return parseEsp8266(bytes);
  if (options.chip) return parseEsp32Family(bytes);

  const family = attempt(bytes, parseEsp32Family);
  const esp8266 = attempt(bytes, parseEsp8266);
  if (family.ok && esp8266.ok) return family.score >= esp8266.score ? family.image : esp8266.image;
  if (family.ok) return family.image;
  if (esp8266.ok) return esp8266.image;
  // Neither layout fits: report the failure of the layout whose header looked right.
  const looksEsp32 = chipFromImageChipId(readU16(bytes, COMMON_HEADER_LENGTH + 4)) !== null && (bytes[23] ?? 0) <= 1;
  throw looksEsp32 ? family.error : esp8266.error;
}

export interface FlashParams {
  flashMode?: FlashMode;
  flashSize?: FlashSizeName;
  flashFreq?: FlashFreq;
}

function sizeCode(chip: ChipFamily, size: FlashSizeName): number {
  const code = FLASH_SIZE_CODES[chip][size];
  if (code === undefined) {
    throw new ImageError(
      'invalid-option',
      `flash size ${size} cannot be written into an ${CHIP_DISPLAY_NAMES[chip]} image; choose one of ${Object.keys(FLASH_SIZE_CODES[chip]).join(', ')}.`,
    );
  }
  return code;
}
function freqCode(chip: ChipFamily, freq: FlashFreq): number {
  const code = FLASH_FREQ_CODES[chip][freq];
  if (code === undefined) {
    throw new ImageError(
      'invalid-option',
      `flash frequency ${freq} is not available on the ${CHIP_DISPLAY_NAMES[chip]}; choose one of ${Object.keys(FLASH_FREQ_CODES[chip]).join(', ')}.`,
    );
  }
  return code;
}
function modeCode(mode: FlashMode): number {
  const code = FLASH_MODE_CODES[mode];
  if (code === undefined) throw new ImageError('invalid-option', `unknown flash mode ${String(mode)}; choose qio, qout, dio or dout.`);
  return code;
}

/**
 * Returns a copy with header bytes 2-3 rewritten for the fields given (both headers of an ESP8266
 * V2 image) and, when the image carries a SHA-256 digest, the digest recomputed: the ROM of the
 * ESP32 family checks it and would refuse to boot a patched image with the old one.
 * Bytes after the image (a combined .bin's partition table and app) are left as they are.
 */
export function patchImageHeader(bytes: Uint8Array, chip: ChipFamily, params: FlashParams): Uint8Array {
  const out = bytes.slice();
  if (params.flashMode === undefined && params.flashSize === undefined && params.flashFreq === undefined) return out;
  const image = parseImage(bytes, { chip });
  const headers = image.format === 'esp8266-v2' ? [0, image.headerOffset] : [image.headerOffset];
  for (const h of headers) {
    if (params.flashMode !== undefined) out[h + 2] = modeCode(params.flashMode);
    const current = out[h + 3] ?? 0;
    const size = params.flashSize !== undefined ? sizeCode(chip, params.flashSize) : current >> 4;
    const freq = params.flashFreq !== undefined ? freqCode(chip, params.flashFreq) : current & 0x0f;
    out[h + 3] = (size << 4) | freq;
  }
  if (image.sha256) {
    out.set(sha256(out.subarray(0, image.sha256.offset)), image.sha256.offset);
  }
  return out;
}

export interface BuildSegment {
  address: number;
  data: Uint8Array;
}

export interface BuildImageOptions extends FlashParams {
  chip: ChipFamily;
  entry: number;
  segments: BuildSegment[];
  /** ESP32 family only; default true, as ESP-IDF and esptool write images. */
  appendSha256?: boolean;
  /** ESP32 family only; major * 100 + minor. Defaults 0 and 0xFFFF (any revision). */
  minChipRevFull?: number;
  maxChipRevFull?: number;
}

/**
 * Writes a complete image: header, extended header (ESP32 family), segments (data padded to
 * 4 bytes, as esptool stores them), zero padding, checksum, optional SHA-256.
 * Defaults: DIO, 40 MHz, 1MB (ESP8266) or 4MB (ESP32 family).
 */
export function buildImage(options: BuildImageOptions): Uint8Array {
  const { chip } = options;
  if (options.segments.length === 0 || options.segments.length > MAX_SEGMENTS) {
    throw new ImageError('invalid-option', `an image needs 1 to ${MAX_SEGMENTS} segments, got ${options.segments.length}.`);
  }
  const isEsp8266 = chip === 'esp8266';
  if (isEsp8266 && options.appendSha256) {
    throw new ImageError('invalid-option', 'ESP8266 images have no extended header, so they cannot carry a SHA-256 digest.');
  }
  const appendSha = !isEsp8266 && (options.appendSha256 ?? true);
  const padded = options.segments.map((s) => {
    const length = (s.data.length + 3) & ~3;
    const data = new Uint8Array(length);
    data.set(s.data);
    return { address: s.address >>> 0, data };
  });
  const headerLength = COMMON_HEADER_LENGTH + (isEsp8266 ? 0 : EXTENDED_HEADER_LENGTH);
  const segmentsEnd = padded.reduce((n, s) => n + SEGMENT_HEADER_LENGTH + s.data.length, headerLength);
  const checksumOffset = checksumOffsetAfter(segmentsEnd);
  const total = checksumOffset + 1 + (appendSha ? SHA256_LENGTH : 0);
  const out = new Uint8Array(total);

  out[0] = IMAGE_MAGIC;
  out[1] = padded.length;
  out[2] = modeCode(options.flashMode ?? 'dio');
  out[3] = (sizeCode(chip, options.flashSize ?? (isEsp8266 ? '1MB' : '4MB')) << 4) | freqCode(chip, options.flashFreq ?? '40m');
  writeU32(out, 4, options.entry >>> 0);
  if (!isEsp8266) {
    const o = COMMON_HEADER_LENGTH;
    out[o] = WP_PIN_DISABLED;
    writeU16(out, o + 4, IMAGE_CHIP_IDS[chip]);
    const minFull = options.minChipRevFull ?? 0;
    out[o + 6] = Math.floor(minFull / 100) & 0xff;
    writeU16(out, o + 7, minFull);
    writeU16(out, o + 9, options.maxChipRevFull ?? 0xffff);
    out[o + 15] = appendSha ? 1 : 0;
  }
  let pos = headerLength;
  let checksum = CHECKSUM_SEED;
  for (const s of padded) {
    writeU32(out, pos, s.address);
    writeU32(out, pos + 4, s.data.length);
    out.set(s.data, pos + SEGMENT_HEADER_LENGTH);
    for (const b of s.data) checksum ^= b;
    pos += SEGMENT_HEADER_LENGTH + s.data.length;
  }
  out[checksumOffset] = checksum;
  if (appendSha) out.set(sha256(out.subarray(0, checksumOffset + 1)), checksumOffset + 1);
  return out;
}

/** One line for logs and the UI: "ESP32 image, 4 segments, DIO 40m 4MB, entry 0x40080400". */
export function describeImage(image: ParsedImage): string {
  const mode = image.flashMode?.toUpperCase() ?? `mode ${hex2(image.flashModeCode)}`;
  const freq = image.flashFreq ?? `freq code ${image.flashFreqCode}`;
  const size = image.flashSize ?? `size code ${image.flashSizeCode}`;
  const v2 = image.format === 'esp8266-v2' ? ' (V2)' : '';
  return `${image.chipName}${v2} image, ${image.segmentCount} segment${image.segmentCount === 1 ? '' : 's'}, ${mode} ${freq} ${size}, entry ${hex8(image.entry)}`;
}
