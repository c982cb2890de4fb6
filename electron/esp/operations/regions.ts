/**
 * Checks on what the user asked to write, read or erase, made before anything goes to the board:
 * a refused request must leave the flash untouched.
 */
import { formatBytes, formatHex32 } from '../../../shared/format';
import { InvalidRequestError } from '../errors';

export const SECTOR_SIZE = 0x1000;

export interface FlashImage {
  offset: number;
  data: Uint8Array;
  /** Shown in messages ("firmware.bin"); defaults to the offset. */
  name?: string;
}

const label = (image: FlashImage): string => image.name ?? `the image at ${formatHex32(image.offset)}`;

/** Flash is written in 32-bit words: images are padded with 0xFF (the erased state) to a multiple of 4. */
export function padToWord(data: Uint8Array): Uint8Array {
  const padded = (data.length + 3) & ~3;
  if (padded === data.length) return data;
  const out = new Uint8Array(padded).fill(0xff);
  out.set(data);
  return out;
}

/** Refuses empty, unaligned, overlapping and oversized images. Returns them sorted by offset. */
export function checkImages(images: readonly FlashImage[], flashSize: number | null): FlashImage[] {
  if (images.length === 0) throw new InvalidRequestError('Nothing to write: give at least one image and its offset.');
  for (const image of images) {
    if (!Number.isSafeInteger(image.offset) || image.offset < 0) {
      throw new InvalidRequestError(`${label(image)}: the offset must be a non-negative whole number.`);
    }
    if (image.offset % SECTOR_SIZE !== 0) {
      throw new InvalidRequestError(
        `${label(image)}: offset ${formatHex32(image.offset)} is not a multiple of 4096 (0x1000); flash is erased in 4 KiB sectors. ` +
          `Use ${formatHex32(image.offset - (image.offset % SECTOR_SIZE))} or ${formatHex32(image.offset - (image.offset % SECTOR_SIZE) + SECTOR_SIZE)}.`,
      );
    }
    if (image.data.length === 0) throw new InvalidRequestError(`${label(image)} is empty.`);
  }
  const sorted = [...images].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    const current = sorted[i]!;
    const previousEnd = previous.offset + padToWord(previous.data).length;
    if (previousEnd > current.offset) {
      throw new InvalidRequestError(
        `${label(previous)} (${formatHex32(previous.offset)}–${formatHex32(previousEnd - 1)}) overlaps ${label(current)} at ${formatHex32(current.offset)}. Check the offsets.`,
      );
    }
  }
  if (flashSize !== null) {
    for (const image of sorted) {
      const end = image.offset + padToWord(image.data).length;
      if (end > flashSize) {
        throw new InvalidRequestError(
          `${label(image)} (${formatBytes(image.data.length)} at ${formatHex32(image.offset)}) does not fit in this board's ${formatBytes(flashSize)} flash. ` +
            'Choose a build made for this flash size.',
        );
      }
    }
  }
  return sorted;
}

/** A region to read, erase or verify: positive size, inside the flash, optionally sector-aligned. */
export function checkRegion(offset: number, size: number, flashSize: number | null, options: { aligned: boolean; what: string }): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidRequestError(`${options.what}: the offset must be a non-negative whole number.`);
  if (!Number.isSafeInteger(size) || size <= 0) throw new InvalidRequestError(`${options.what}: the size must be a positive whole number.`);
  if (options.aligned && (offset % SECTOR_SIZE !== 0 || size % SECTOR_SIZE !== 0)) {
    throw new InvalidRequestError(`${options.what}: offset and size must be multiples of 4096 (0x1000), the flash sector size.`);
  }
  if (flashSize !== null && offset + size > flashSize) {
    throw new InvalidRequestError(`${options.what}: ${formatHex32(offset)} + ${formatBytes(size)} goes past the end of the ${formatBytes(flashSize)} flash.`);
  }
}
