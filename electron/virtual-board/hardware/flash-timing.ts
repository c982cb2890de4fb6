/**
 * How long a real SPI NOR chip is busy: typical datasheet figures per vendor family (not the
 * maximums), so progress, timeouts and "this may take a while" behave as on a board. Keyed by
 * the JEDEC manufacturer byte; chip erase grows with capacity, so it is given per MiB.
 *
 *   Winbond W25Q (JV/FV):   4 KiB sector 45 ms, 64 KiB block 150 ms, 256 B page 0.7 ms, chip ~2.5 s/MiB (W25Q32: 10 s)
 *   GigaDevice GD25Q:       4 KiB sector 50 ms, 64 KiB block 220 ms, page 0.6 ms, chip ~2.8 s/MiB
 *   Macronix MX25L:         4 KiB sector 40 ms, 64 KiB block 400 ms, page 0.6 ms, chip ~6 s/MiB
 *   XMC / Micron (0x20):    4 KiB sector 50 ms, 64 KiB block 200 ms, page 0.6 ms, chip ~3 s/MiB
 *   anything else:          the Winbond figures (the most common part on ESP boards)
 */
export interface FlashTimes {
  sectorEraseMs: number;
  block64EraseMs: number;
  pageProgramMs: number;
  chipEraseMsPerMiB: number;
}

const WINBOND: FlashTimes = { sectorEraseMs: 45, block64EraseMs: 150, pageProgramMs: 0.7, chipEraseMsPerMiB: 2_500 };

const BY_MANUFACTURER: ReadonlyMap<number, FlashTimes> = new Map([
  [0xef, WINBOND],
  [0xc8, { sectorEraseMs: 50, block64EraseMs: 220, pageProgramMs: 0.6, chipEraseMsPerMiB: 2_800 }],
  [0xc2, { sectorEraseMs: 40, block64EraseMs: 400, pageProgramMs: 0.6, chipEraseMsPerMiB: 6_000 }],
  [0x20, { sectorEraseMs: 50, block64EraseMs: 200, pageProgramMs: 0.6, chipEraseMsPerMiB: 3_000 }],
]);

export function flashTimesFor(jedecId: number): FlashTimes {
  return BY_MANUFACTURER.get((jedecId >>> 16) & 0xff) ?? WINBOND;
}

/**
 * 'real' (default): datasheet times. 'instant': no time at all. A number scales the real times
 * (0.01 = a hundred times faster, for tests that only need the order of things).
 */
export type FlashTiming = 'real' | 'instant' | number;

export function flashTimingScale(timing: FlashTiming | undefined): number {
  if (timing === undefined || timing === 'real') return 1;
  if (timing === 'instant') return 0;
  if (!Number.isFinite(timing) || timing < 0) {
    throw new Error(`flashTiming ${String(timing)} is not a scale. Use 'real', 'instant' or a number >= 0 such as 0.01.`);
  }
  return timing;
}

const PAGE = 256;
const SECTORS_PER_BLOCK = 16;

/**
 * Adds up the busy time of flash operations as they happen; the board takes it after each
 * command and holds the loader (and, where the loader answers after the work, its reply) that long.
 */
export class FlashClock {
  private pendingMs = 0;

  constructor(
    private readonly times: FlashTimes,
    private readonly scale: number,
    private readonly sizeBytes: number,
  ) {}

  /** Busy time accumulated since the last call, in ms (already scaled). */
  take(): number {
    const ms = this.pendingMs;
    this.pendingMs = 0;
    return ms * this.scale;
  }

  /** Programming: time per 256-byte page, in proportion for a partial page. */
  program(bytes: number): void {
    this.pendingMs += (bytes / PAGE) * this.times.pageProgramMs;
  }

  sector(): void {
    this.pendingMs += this.times.sectorEraseMs;
  }

  block64(): void {
    this.pendingMs += this.times.block64EraseMs;
  }

  chip(): void {
    this.pendingMs += this.times.chipEraseMsPerMiB * (this.sizeBytes / (1024 * 1024));
  }

  /** A run of sectors the way the loaders erase one: 64 KiB blocks where aligned, sectors elsewhere. */
  sectors(first: number, count: number): void {
    let at = first;
    let left = count;
    while (left > 0) {
      if (at % SECTORS_PER_BLOCK === 0 && left >= SECTORS_PER_BLOCK) {
        this.block64();
        at += SECTORS_PER_BLOCK;
        left -= SECTORS_PER_BLOCK;
      } else {
        this.sector();
        at += 1;
        left -= 1;
      }
    }
  }
}

const SECTOR = 4096;

/**
 * The chip's busy time for writing `length` bytes at `offset` the way the loaders do it (the
 * stub's and ROM's erase pattern, as FlashClock.sectors: 64 KiB blocks where aligned and a whole
 * block remains, 4 KiB sectors elsewhere, over every sector the data touches), plus programming
 * every byte in 256-byte pages. Unscaled (flashTiming 'real'), in ms. A write can be no faster
 * than this on the flash-timing model, however fast the wire.
 */
export function expectedWriteMs(times: FlashTimes, offset: number, length: number): number {
  if (length <= 0) return 0;
  let sector = Math.floor(offset / SECTOR);
  let left = Math.ceil(((offset % SECTOR) + length) / SECTOR);
  let ms = 0;
  while (left > 0) {
    if (sector % SECTORS_PER_BLOCK === 0 && left >= SECTORS_PER_BLOCK) {
      ms += times.block64EraseMs;
      sector += SECTORS_PER_BLOCK;
      left -= SECTORS_PER_BLOCK;
    } else {
      ms += times.sectorEraseMs;
      sector += 1;
      left -= 1;
    }
  }
  return ms + (length / PAGE) * times.pageProgramMs;
}
