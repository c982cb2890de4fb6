import { createHash } from 'node:crypto';
import { FlashClock, flashTimesFor } from './flash-timing';

/**
 * The flash chip's memory array with NOR semantics: erasing sets whole 4 KiB sectors (or 64 KiB
 * blocks, or the chip) to 0xFF; programming can only clear bits (new = old & data), so writing over
 * data that was not erased first yields a mix, exactly the failure a wrong erase size produces.
 *
 * Addresses wrap at the chip size, as a real SPI NOR chip ignores address bits above its capacity.
 * The array changes at once; how long the chip would be busy is added to `clock` (see
 * flash-timing.ts), which the board turns into a delay of the loader and its replies.
 */
export const SECTOR = 0x1000;
export const BLOCK64 = 0x10000;

export class NorFlash {
  readonly size: number;
  /** The array itself; readers outside tests go through read()/md5(). */
  readonly bytes: Uint8Array;
  private readonly mask: number;
  private readonly changeListeners = new Set<() => void>();
  /** Busy time of the erases and programs so far (writeRaw, a test back door, costs nothing). */
  readonly clock: FlashClock;
  /** Erase cycles per 4 KiB sector: the wear a real chip counts toward its ~100,000-cycle endurance. */
  private readonly erases: Uint32Array;

  constructor(size: number, initial?: Uint8Array, clock?: FlashClock) {
    if (!isPowerOfTwo(size) || size < 64 * 1024 || size > 128 * 1024 * 1024) {
      throw new RangeError(`A flash chip of ${size} bytes is not available: use a power of two from 64 KiB to 128 MiB.`);
    }
    this.size = size;
    this.mask = size - 1;
    this.bytes = new Uint8Array(size).fill(0xff);
    if (initial) this.bytes.set(initial.subarray(0, size));
    this.clock = clock ?? new FlashClock(flashTimesFor(0), 0, size);
    this.erases = new Uint32Array(size / SECTOR);
  }

  /** How many times the sector has been erased since power-on of this model. */
  eraseCount(sectorIndex: number): number {
    return this.erases[sectorIndex % this.erases.length] ?? 0;
  }

  private wear(firstSector: number, count: number): void {
    for (let i = 0; i < count; i++) {
      const index = (firstSector + i) % this.erases.length;
      this.erases[index] = (this.erases[index] ?? 0) + 1;
    }
  }

  /** Called after every erase or program (the flash file persistence listens). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  read(address: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(address, out);
    return out;
  }

  readInto(address: number, out: Uint8Array): void {
    let done = 0;
    while (done < out.length) {
      const a = (address + done) & this.mask;
      const n = Math.min(out.length - done, this.size - a);
      out.set(this.bytes.subarray(a, a + n), done);
      done += n;
    }
  }

  /** Programs data at address: every byte becomes old & new. */
  program(address: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      const a = (address + done) & this.mask;
      const n = Math.min(data.length - done, this.size - a);
      const target = this.bytes;
      for (let i = 0; i < n; i++) target[a + i] = (target[a + i] as number) & (data[done + i] as number);
      done += n;
    }
    this.clock.program(data.length);
    if (data.length > 0) this.changed();
  }

  eraseSector(sectorIndex: number): void {
    const a = (sectorIndex * SECTOR) & this.mask;
    this.bytes.fill(0xff, a, a + SECTOR);
    this.wear(a / SECTOR, 1);
    this.clock.sector();
    this.changed();
  }

  eraseBlock64(blockIndex: number): void {
    const a = (blockIndex * BLOCK64) & this.mask;
    this.bytes.fill(0xff, a, a + BLOCK64);
    this.wear(a / SECTOR, BLOCK64 / SECTOR);
    this.clock.block64();
    this.changed();
  }

  /** Erases `count` whole sectors from `firstSector` on (wrapping like the chip). */
  eraseSectors(firstSector: number, count: number): void {
    if (count <= 0) return;
    const sectors = this.size / SECTOR;
    if (count >= sectors) {
      this.eraseChip();
      return;
    }
    for (let i = 0; i < count; i++) {
      const a = (((firstSector + i) % sectors) * SECTOR) & this.mask;
      this.bytes.fill(0xff, a, a + SECTOR);
      this.wear(a / SECTOR, 1);
    }
    this.clock.sectors(firstSector, count);
    this.changed();
  }

  eraseChip(): void {
    this.bytes.fill(0xff);
    this.wear(0, this.erases.length);
    this.clock.chip();
    this.changed();
  }

  /** Overwrites bytes directly, bypassing NOR rules (test setup, loading a saved image). */
  writeRaw(address: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      const a = (address + done) & this.mask;
      const n = Math.min(data.length - done, this.size - a);
      this.bytes.set(data.subarray(done, done + n), a);
      done += n;
    }
    if (data.length > 0) this.changed();
  }

  /** MD5 of the flash contents, computed for real. */
  md5(address: number, length: number): Uint8Array {
    const hash = createHash('md5');
    let done = 0;
    while (done < length) {
      const a = (address + done) & this.mask;
      const n = Math.min(length - done, this.size - a);
      hash.update(this.bytes.subarray(a, a + n));
      done += n;
    }
    return new Uint8Array(hash.digest());
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}
