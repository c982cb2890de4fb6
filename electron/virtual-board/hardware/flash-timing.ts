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
 * When the chip is busy, and how long that holds the loader handling a frame.
 *
 * A SPI NOR chip runs one operation at a time; the CPU only waits for it when it asks for the
 * next one. The ROM and the stub's page programs wait for each operation to finish (blocking
 * work: the loader is held). The stub also *starts* erases without waiting (`inBackground`): it
 * kicks one off while it inflates a block and goes back to receiving the next, and only waits
 * when it must write into a sector still being erased. So a frame holds the loader for its
 * blocking work plus any wait for the chip, and an erase it started may still run in the next
 * frame's time, as on a board.
 *
 * Only work inside a frame counts (`beginFrame` … `take`): the app's filesystem, outside the
 * loader, costs nothing here.
 */
export class FlashClock {
  /** Where the loader's CPU is in the frame being handled (absolute ms), null between frames. */
  private cursor: number | null = null;
  /** When the chip finishes its current operation (absolute ms). */
  private busyUntil = 0;
  private background = 0;
  private workedMs = 0;

  constructor(
    private readonly times: FlashTimes,
    private readonly scale: number,
    private readonly sizeBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A loader starts handling a frame now. */
  beginFrame(): void {
    this.cursor = this.now();
  }

  /** How much longer (ms from now, scaled) the frame holds the loader; ends the frame. */
  take(): number {
    if (this.cursor === null) return 0;
    const left = this.cursor - this.now();
    this.cursor = null;
    return Math.max(0, left);
  }

  /** Everything the chip has spent erasing and programming for loaders so far (ms, scaled), overlapped or not. */
  get worked(): number {
    return this.workedMs;
  }

  /** The chip has finished everything started so far (the stub's "is the flash ready?"). */
  isIdle(): boolean {
    return this.cursor === null || this.cursor >= this.busyUntil;
  }

  /** The loader waits until the chip is idle (reads and writes do this first). */
  waitIdle(): void {
    if (this.cursor !== null) this.cursor = Math.max(this.cursor, this.busyUntil);
  }

  /** Operations in `start` are started, not waited for: the chip runs them while the CPU goes on. */
  inBackground<T>(start: () => T): T {
    this.background += 1;
    try {
      return start();
    } finally {
      this.background -= 1;
    }
  }

  /** Programming: time per 256-byte page, in proportion for a partial page. */
  program(bytes: number): void {
    this.occupy((bytes / PAGE) * this.times.pageProgramMs);
  }

  sector(): void {
    this.occupy(this.times.sectorEraseMs);
  }

  block64(): void {
    this.occupy(this.times.block64EraseMs);
  }

  chip(): void {
    this.occupy(this.times.chipEraseMsPerMiB * (this.sizeBytes / (1024 * 1024)));
  }

  /** A run of sectors the way the loaders erase one: 64 KiB blocks where aligned, sectors elsewhere. */
  sectors(first: number, count: number): void {
    let at = first;
    let left = count;
    let ms = 0;
    while (left > 0) {
      if (at % SECTORS_PER_BLOCK === 0 && left >= SECTORS_PER_BLOCK) {
        ms += this.times.block64EraseMs;
        at += SECTORS_PER_BLOCK;
        left -= SECTORS_PER_BLOCK;
      } else {
        ms += this.times.sectorEraseMs;
        at += 1;
        left -= 1;
      }
    }
    this.occupy(ms);
  }

  /** The chip works `ms` (unscaled) once it is free; the CPU waits for it unless it was started in the background. */
  private occupy(ms: number): void {
    if (this.cursor === null) return;
    const start = Math.max(this.cursor, this.busyUntil);
    this.workedMs += ms * this.scale;
    this.busyUntil = start + ms * this.scale;
    if (this.background === 0) this.cursor = this.busyUntil;
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
