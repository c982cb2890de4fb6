/**
 * The result lines esptool users read, with the same numbers esptool computes: bytes as written
 * (padded to a 32-bit word), seconds to one decimal, kbit/s as bytes × 8 / 1000 / seconds.
 */
import { formatHex32 } from '../../shared/format';

/** esptool divides by the elapsed time; a region written within the clock's resolution is not infinitely fast. */
const MIN_SECONDS = 0.001;

export function kbitPerSecond(bytes: number, seconds: number): number {
  return (bytes * 8) / 1000 / Math.max(seconds, MIN_SECONDS);
}

export function compressedLine(size: number, compressedBytes: number): string {
  return `Compressed ${size} bytes to ${compressedBytes}...`;
}

/** The flash a region erases: whole 4 KiB sectors from its offset. */
export function eraseRangeLine(offset: number, size: number): string {
  const end = offset + Math.ceil(size / 0x1000) * 0x1000 - 1;
  return `Flash will be erased from ${formatHex32(offset)} to ${formatHex32(end)}...`;
}

export function wroteLine(region: { offset: number; size: number; sentBytes: number; compressed: boolean }, seconds: number): string {
  const speed = kbitPerSecond(region.size, seconds).toFixed(1);
  return region.compressed
    ? `Wrote ${region.size} bytes (${region.sentBytes} compressed) at ${formatHex32(region.offset)} in ${seconds.toFixed(1)} seconds (effective ${speed} kbit/s)...`
    : `Wrote ${region.size} bytes at ${formatHex32(region.offset)} in ${seconds.toFixed(1)} seconds (${speed} kbit/s)...`;
}

export function readLine(size: number, offset: number, seconds: number): string {
  return `Read ${size} bytes at ${formatHex32(offset)} in ${seconds.toFixed(1)} seconds (${kbitPerSecond(size, seconds).toFixed(1)} kbit/s)...`;
}

export function chipEraseLine(seconds: number): string {
  return `Chip erase completed successfully in ${seconds.toFixed(1)} s`;
}

export const HASH_VERIFIED_LINE = 'Hash of data verified.';

/** Kiln's own line after a diff re-flash left part of a region alone. */
export function unchangedLine(region: { offset: number; size: number; unchangedBytes: number }): string {
  if (region.unchangedBytes === region.size) {
    return `The board already holds the ${region.size} bytes at ${formatHex32(region.offset)}: nothing was written (--no-diff rewrites them).`;
  }
  return `Skipped ${region.unchangedBytes} of ${region.size} bytes at ${formatHex32(region.offset)} that the board already holds (--no-diff rewrites them).`;
}
