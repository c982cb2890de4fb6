/**
 * The one path every write takes (the app's device.write, the `kiln` CLI, classroom mode): what
 * can refuse a request is checked before anything touches the flash, in this order:
 *
 *   1. reading the inputs, bounded: each file is stat'ed first, and anything that is not a regular
 *      file or is larger than the largest flash is refused from its size without reading it;
 *   2. board-free checks (before connecting): empty, offset out of range or not on a sector,
 *      overlapping regions, larger than any flash;
 *   3. board checks (after detect): fits this flash; at the chip's bootloader offset, a valid
 *      image for this chip; anywhere, no image for another chip. Raw data elsewhere (filesystems,
 *      data partitions) is allowed;
 *   4. only then the erase (if asked) and the write.
 */
import { constants as fsConstants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ChipFamily } from '../../shared/types/chips';
import { CHIP_DISPLAY_NAMES } from '../../shared/types/chips';
import { KilnError, type ErrorCode } from '../../shared/types/errors';
import type { FitCheckResult, FitDevice, FitIssueCode } from '../../shared/types/firmware';
import { formatBytes, formatHex32 } from '../../shared/format';
import { eraseFlash, writeFlash, type EspSession, type OperationContext, type WriteFlashOptions, type WriteFlashResult } from '../esp';
import { BOOTLOADER_OFFSETS, IMAGE_MAGIC, ImageError, flashSizeBytes, parseImage } from '../esp/image';
import { checkFit } from './fit-check';

/** No ESP8266/ESP32 module Kiln flashes has more than 16 MiB of flash. */
export const LARGEST_FLASH_BYTES = 16 * 1024 * 1024;
/** Offsets must be on a flash sector: the loaders erase whole 4 KiB sectors before writing. */
export const OFFSET_ALIGNMENT = 0x1000;

/** A request refused before anything was written. `overridable`: `--force` may write it anyway. */
export class WriteRefusedError extends KilnError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly overridable: boolean,
    hint?: string,
  ) {
    super(code, message, hint);
    this.name = 'WriteRefusedError';
  }
}

export interface PlannedImage {
  offset: number;
  data: Uint8Array;
  /** For messages: "firmware.bin". */
  name: string;
  /**
   * 'firmware': must be a valid image for the board wherever it goes (the app's catalog and local
   * images). 'data': any bytes; must be a valid image only at the bootloader offset (CLI files).
   */
  kind: 'firmware' | 'data';
  /** The fit check with more knowledge (the catalog's entry and suggestions); default: checkFit on the bytes. */
  fitCheck?: (device: FitDevice, offset: number) => Promise<FitCheckResult>;
}

function describeNonFile(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isCharacterDevice()) return 'a character device (like /dev/zero or a serial port)';
  if (info.isBlockDevice()) return 'a block device (a disk)';
  if (info.isFIFO()) return 'a named pipe';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a file to write, without ever reading more than the largest flash: stat first (a device,
 * pipe or directory is refused unread; so is a file too big to be flash contents), then read
 * exactly the size stat gave, refusing a file that grew in between.
 */
export async function readInputFile(file: string): Promise<Uint8Array> {
  const name = path.basename(file) || file;
  let info: Stats;
  try {
    info = await stat(file);
  } catch (error) {
    throw unreadable(file, error);
  }
  if (!info.isFile()) {
    throw new WriteRefusedError('bad-request', `${file} is ${describeNonFile(info)}, not a file Kiln can write to flash.`, false, 'Give the path of a .bin file.');
  }
  if (info.size === 0) throw new WriteRefusedError('firmware', `${name} is empty (0 bytes): there is nothing to write.`, false, 'Download it again or choose another file.');
  if (info.size > LARGEST_FLASH_BYTES) throw tooLargeForAnyFlash(name, info.size);
  let handle;
  try {
    // O_NONBLOCK: if the path was swapped for a pipe since the stat, opening it must not wait for a writer.
    handle = await open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    throw unreadable(file, error);
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw new WriteRefusedError('bad-request', `${file} is ${describeNonFile(opened)}, not a file Kiln can write to flash.`, false);
    // One byte more than expected tells a file that grew since the stat.
    const buffer = new Uint8Array(info.size + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled !== info.size) {
      throw new WriteRefusedError('io', `${name} changed size while Kiln was reading it (${info.size} bytes, then ${filled > info.size ? 'more' : filled}).`, false, 'Wait until it is complete, then try again.');
    }
    return buffer.subarray(0, filled);
  } catch (error) {
    if (error instanceof KilnError) throw error;
    throw unreadable(file, error);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function unreadable(file: string, error: unknown): KilnError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new WriteRefusedError('not-found', `File not found: ${file}`, false, 'Check the path and the spelling.');
  if (code === 'EACCES' || code === 'EPERM') return new WriteRefusedError('io', `Kiln may not read ${file} (permission denied).`, false, 'Check the file permissions.');
  return new WriteRefusedError('io', `Cannot read ${file}: ${(error as Error).message}`, false);
}

function tooLargeForAnyFlash(name: string, size: number): WriteRefusedError {
  return new WriteRefusedError(
    'firmware',
    `${name} is ${formatBytes(size)}, larger than the largest flash any ESP8266 or ESP32 board has (${formatBytes(LARGEST_FLASH_BYTES)}), so it cannot be written to one.`,
    false,
    'Check that you chose the right file (a firmware .bin, a filesystem image or a backup).',
  );
}

/**
 * The checks that need no board, run before connecting. Returns the images sorted by offset;
 * throws a WriteRefusedError naming the first problem.
 */
export function checkWriteRequest(images: readonly PlannedImage[]): PlannedImage[] {
  if (images.length === 0) throw new WriteRefusedError('bad-request', 'Nothing to write: give at least one OFFSET FILE pair.', false);
  for (const image of images) {
    const { offset, name } = image;
    if (!Number.isSafeInteger(offset) || offset < 0) throw new WriteRefusedError('bad-request', `${name}: the offset must be a whole number of 0 or more.`, false);
    if (offset >= LARGEST_FLASH_BYTES) {
      throw new WriteRefusedError(
        'bad-request',
        `${name}: offset ${formatHex32(offset)} is past the end of the largest flash an ESP board has (${formatBytes(LARGEST_FLASH_BYTES)}, up to ${formatHex32(LARGEST_FLASH_BYTES - 1)}).`,
        false,
        'Check the offset: MicroPython firmware goes at 0x0 (ESP8266, ESP32-C3, ESP32-S3) or 0x1000 (ESP32, ESP32-S2).',
      );
    }
    if (offset % OFFSET_ALIGNMENT !== 0) {
      const below = offset - (offset % OFFSET_ALIGNMENT);
      throw new WriteRefusedError(
        'bad-request',
        `${name}: offset ${formatHex32(offset)} is not a multiple of 4096 (0x1000); flash is erased in 4 KiB sectors.`,
        false,
        `Use ${formatHex32(below)} or ${formatHex32(below + OFFSET_ALIGNMENT)}.`,
      );
    }
    if (image.data.length === 0) throw new WriteRefusedError('firmware', `${name} is empty (0 bytes): there is nothing to write.`, false);
    if (image.data.length > LARGEST_FLASH_BYTES) throw tooLargeForAnyFlash(name, image.data.length);
    if (offset + image.data.length > LARGEST_FLASH_BYTES) {
      throw new WriteRefusedError(
        'firmware',
        `${name} (${formatBytes(image.data.length)}) written at ${formatHex32(offset)} would end past ${formatBytes(LARGEST_FLASH_BYTES)}, the largest flash an ESP board has.`,
        false,
        'Check the offset and the file.',
      );
    }
  }
  const sorted = [...images].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    const current = sorted[i]!;
    // Written in 32-bit words: the padded end is what lands in flash.
    const previousEnd = previous.offset + ((previous.data.length + 3) & ~3);
    if (previousEnd > current.offset) {
      throw new WriteRefusedError(
        'bad-request',
        `${previous.name} (${formatHex32(previous.offset)}–${formatHex32(previousEnd - 1)}) overlaps ${current.name} at ${formatHex32(current.offset)}.`,
        false,
        'Check the offsets: each region must end before the next one starts.',
      );
    }
  }
  return sorted;
}

export interface BoardIssue {
  code: FitIssueCode | 'data-chip-mismatch';
  message: string;
  /** `--force` may override it (image content checks), never a region that does not fit. */
  overridable: boolean;
}

export interface BoardVerdict {
  errors: BoardIssue[];
  warnings: BoardIssue[];
  /** A catalog entry that fits better (app images only). */
  suggestion?: string;
}

const NEVER_OVERRIDABLE: ReadonlySet<string> = new Set(['too-big-for-flash', 'offset-unaligned', 'image-empty']);

/** The flash a write may use: the detected size, or less when the user chose a smaller size. */
export function usableFlashBytes(detected: number | null, chosen: WriteFlashOptions['flashSize']): number | null {
  const chosenBytes = chosen && chosen !== 'keep' && chosen !== 'detect' ? flashSizeBytes(chosen) : null;
  if (chosenBytes !== null && detected !== null) return Math.min(chosenBytes, detected);
  return chosenBytes ?? detected;
}

/** The checks that need the detected board. Nothing is thrown: the caller decides (and may force). */
export async function checkAgainstBoard(images: readonly PlannedImage[], device: FitDevice): Promise<BoardVerdict> {
  const verdict: BoardVerdict = { errors: [], warnings: [] };
  const bootOffset = BOOTLOADER_OFFSETS[device.chip];
  for (const image of images) {
    if (device.flashSizeBytes !== null && image.offset + image.data.length > device.flashSizeBytes) {
      verdict.errors.push({
        code: 'too-big-for-flash',
        message: `${image.name} (${formatBytes(image.data.length)} at ${formatHex32(image.offset)}) does not fit in this board's ${formatBytes(device.flashSizeBytes)} flash: it needs ${formatBytes(image.offset + image.data.length)}.`,
        overridable: false,
      });
      continue;
    }
    if (image.kind === 'firmware' || image.offset === bootOffset) {
      const fit = image.fitCheck ? await image.fitCheck(device, image.offset) : checkFit({ bytes: image.data, name: image.name, device, offset: image.offset });
      for (const issue of fit.errors) verdict.errors.push({ ...issue, overridable: !NEVER_OVERRIDABLE.has(issue.code) });
      for (const issue of fit.warnings) if (issue.code !== 'flash-size-unknown' || image.kind === 'firmware') verdict.warnings.push({ ...issue, overridable: true });
      if (fit.suggestion && verdict.suggestion === undefined) verdict.suggestion = fit.suggestion;
      if (image.kind === 'data' && fit.errors.length > 0) {
        verdict.errors.push({
          code: 'image-not-firmware',
          message: `${formatHex32(bootOffset)} is where the ${CHIP_DISPLAY_NAMES[device.chip]}'s ROM looks for its bootloader, so only a valid ${CHIP_DISPLAY_NAMES[device.chip]} image may go there; written anyway, the board would not start.`,
          overridable: true,
        });
      }
      continue;
    }
    const foreign = foreignImageChip(image.data, device.chip);
    if (foreign) {
      verdict.errors.push({
        code: 'data-chip-mismatch',
        message: `${image.name} is a firmware image for the ${foreign}, but this board is an ${CHIP_DISPLAY_NAMES[device.chip]}: it would never run here.`,
        overridable: true,
      });
    }
  }
  return verdict;
}

/** The chip a parseable image at a data offset is for, when it is not this board's; null for raw data or a match. */
function foreignImageChip(data: Uint8Array, chip: ChipFamily): string | null {
  if (data[0] !== IMAGE_MAGIC) return null;
  try {
    const image = parseImage(data);
    if (!image.checksum.valid) return null; // bytes that merely start with 0xE9
    if (image.chip === chip) return null;
    return image.chip ? CHIP_DISPLAY_NAMES[image.chip] : image.chipName;
  } catch (error) {
    if (error instanceof ImageError) return null;
    throw error;
  }
}

export interface ExecuteWriteOptions {
  /** Erase the whole chip first (after every check has passed). */
  eraseAll?: boolean;
  /** Write images the content checks refuse (esptool's --force); regions that do not fit are still refused. */
  force?: boolean;
  write?: WriteFlashOptions;
  /** What the board is; default: from the session (chip, detected flash size). */
  device?: FitDevice;
  /** Told each warning (and each error --force overrode). */
  onWarning?: (message: string) => void;
  /** Said once everything has passed, before the first erase or write (the CLI's "Erasing flash..."). */
  onChecked?: () => void;
  /** Told when the eraseAll erase has finished. */
  onErased?: () => void;
}

/** Every check, then erase (if asked), then write: the only way Kiln puts images into flash. */
export async function executeWritePlan(
  session: EspSession,
  images: readonly PlannedImage[],
  options: ExecuteWriteOptions = {},
  context: OperationContext = {},
): Promise<WriteFlashResult> {
  const sorted = checkWriteRequest(images);
  const detected = options.device?.flashSizeBytes ?? (await session.flashSize());
  const device: FitDevice = { ...(options.device ?? { chip: session.chip.family }), flashSizeBytes: usableFlashBytes(detected, options.write?.flashSize) };
  const verdict = await checkAgainstBoard(sorted, device);
  const blocking = verdict.errors.filter((issue) => !(options.force && issue.overridable));
  if (blocking.length > 0) {
    const overridable = blocking.every((issue) => issue.overridable);
    const hint = verdict.suggestion ? `Choose ${verdict.suggestion} instead.` : undefined;
    throw new WriteRefusedError('firmware', `Nothing was written. ${blocking.map((issue) => issue.message).join(' ')}`, overridable, hint);
  }
  for (const issue of verdict.errors) options.onWarning?.(`Writing anyway (--force): ${issue.message}`);
  for (const issue of verdict.warnings) options.onWarning?.(issue.message);
  options.onChecked?.();
  if (options.eraseAll) {
    await eraseFlash(session, context);
    options.onErased?.();
  }
  return writeFlash(
    session,
    sorted.map((image) => ({ offset: image.offset, data: image.data, name: image.name })),
    options.write ?? {},
    context,
  );
}
