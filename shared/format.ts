/** Pure formatting helpers used by the renderer, the CLI and error messages. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB'] as const;

/** 1536 -> "1.5 KiB". Binary units, because flash sizes are powers of two. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Bytes per second -> "42.1 KiB/s". */
export function formatSpeed(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '–';
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Seconds -> "1:05" or "1:02:03"; "–" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/**
 * 0x1000 -> "0x00001000", the way esptool prints flash offsets and register words. At least eight
 * digits, never fewer bits than the value has: an offset of 4 GiB or more prints in full (a user's
 * typo such as 0x100000000 must read back as itself, not as 0x00000000). A negative 32-bit word
 * (a register read through signed arithmetic) prints as its unsigned bit pattern.
 */
export function formatHex32(value: number): string {
  if (!Number.isSafeInteger(value) || value < -0x8000_0000) return String(value);
  const unsigned = value < 0 ? value >>> 0 : value;
  return `0x${unsigned.toString(16).padStart(8, '0')}`;
}

/** Parses "0x1000", "4096", "4K", "4KB", "1M", "1MB", "16MB" into bytes; null when it is not a size. */
export function parseSize(text: string): number | null {
  const match = /^\s*(0x[0-9a-f]+|\d+)\s*(k|kb|kib|m|mb|mib)?\s*$/i.exec(text);
  if (!match || match[1] === undefined) return null;
  const base = Number(match[1]);
  if (!Number.isSafeInteger(base)) return null;
  const unit = (match[2] ?? '').toLowerCase();
  const factor = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
  return base * factor;
}

/** An auto-baud note ("2000000 baud: the fastest rate that passed…") as read beside the rate already shown: "Automatic speed: the fastest…". */
export function describeBaudNote(note: string): string {
  return note.replace(/^\d+ baud: (.)/, (_, first: string) => `Automatic speed: ${first}`);
}
