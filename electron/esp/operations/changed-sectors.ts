/**
 * Diff re-flash without the old file: which 4 KiB sectors of an image the board does not already
 * hold, found by asking the board for MD5s of its flash (SPI_FLASH_MD5) and comparing them with
 * the image's. Writing only those sectors skips both their transfer and their erase, which on a
 * real flash chip costs more than the transfer (45 ms per sector on a Winbond part).
 *
 * Round trips cost time, so the search is coarse first:
 *   1. one MD5 over the whole region: equal means nothing to write;
 *      equal to the MD5 of erased flash means only the image's non-blank sectors need writing;
 *   2. one MD5 per 64 KiB chunk;
 *   3. per-sector MD5s only inside differing chunks, and only when few chunks differ (a board
 *      holding other firmware differs almost everywhere, and refining would cost ~16 round trips
 *      per chunk for nothing).
 */
import { createHash } from 'node:crypto';
import { throwIfAborted } from '../errors';
import type { EspLoader } from '../loader';
import { SECTOR_SIZE } from './regions';

/** The coarse comparison unit: the flash's 64 KiB erase block. */
export const CHUNK_SIZE = 0x10000;
/** Refine to sectors only while at most this share of the chunks differ. */
export const REFINE_MAX_SHARE = 0.5;

/** A byte range [start, end) of an image, relative to its first byte. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface ChangedSectors {
  /** What must be written, sector-aligned (the last may end with the image), in order. */
  ranges: ByteRange[];
  /** Bytes of the image the board already holds. */
  unchangedBytes: number;
  /** How many MD5s the board computed to find out. */
  hashRequests: number;
}

const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

/** MD5 of `length` erased (0xFF) bytes, which is what a blank region hashes to. */
export function erasedMd5(length: number): string {
  return md5(new Uint8Array(length).fill(0xff));
}

function isErased(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0xff) return false;
  return true;
}

/** Cuts [start, end) into units of `size` (the last one shorter where the image ends). */
function units(start: number, end: number, size: number): ByteRange[] {
  const out: ByteRange[] = [];
  for (let at = start; at < end; at += size) out.push({ start: at, end: Math.min(end, at + size) });
  return out;
}

/** How many bytes the ranges cover. */
export function rangeBytes(ranges: readonly ByteRange[]): number {
  return ranges.reduce((sum, range) => sum + range.end - range.start, 0);
}

/** Adjacent ranges become one, so each run is one FLASH_BEGIN with one compressed stream. */
export function mergeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const out: ByteRange[] = [];
  for (const range of ranges) {
    const last = out[out.length - 1];
    if (last && last.end === range.start) last.end = range.end;
    else out.push({ ...range });
  }
  return out;
}

/**
 * Compares the board's flash at `offset` with `data` (whose MD5 is `dataMd5`). `offset` must be
 * sector-aligned (every write Kiln makes is).
 */
export async function findChangedSectors(loader: EspLoader, offset: number, data: Uint8Array, dataMd5: string, signal?: AbortSignal): Promise<ChangedSectors> {
  let hashRequests = 0;
  const boardMd5 = async (range: ByteRange): Promise<string> => {
    throwIfAborted(signal);
    hashRequests++;
    return loader.flashMd5(offset + range.start, range.end - range.start);
  };
  const result = (ranges: ByteRange[]): ChangedSectors => {
    const merged = mergeRanges(ranges);
    return { ranges: merged, unchangedBytes: data.length - rangeBytes(merged), hashRequests };
  };

  const whole = await boardMd5({ start: 0, end: data.length });
  if (whole === dataMd5) return result([]);
  if (whole === erasedMd5(data.length)) {
    // A blank region: every sector the image leaves blank is already right.
    return result(units(0, data.length, SECTOR_SIZE).filter((s) => !isErased(data.subarray(s.start, s.end))));
  }

  const chunks = units(0, data.length, CHUNK_SIZE);
  if (chunks.length === 1) return result(await refine(chunks[0]!));
  const differing: ByteRange[] = [];
  for (const chunk of chunks) {
    if ((await boardMd5(chunk)) !== md5(data.subarray(chunk.start, chunk.end))) differing.push(chunk);
  }
  if (differing.length > chunks.length * REFINE_MAX_SHARE) return result(differing);
  const sectors: ByteRange[] = [];
  for (const chunk of differing) sectors.push(...(await refine(chunk)));
  return result(sectors);

  /** The sectors of a differing chunk whose MD5 differs too. */
  async function refine(chunk: ByteRange): Promise<ByteRange[]> {
    const out: ByteRange[] = [];
    for (const sector of units(chunk.start, chunk.end, SECTOR_SIZE)) {
      if ((await boardMd5(sector)) !== md5(data.subarray(sector.start, sector.end))) out.push(sector);
    }
    return out;
  }
}
