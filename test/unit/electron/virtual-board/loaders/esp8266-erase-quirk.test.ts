import { describe, expect, it } from 'vitest';
import { esp8266RomEraseSectors } from '../../../../../electron/virtual-board/loaders/rom-bootloader';

/**
 * The ESP8266 ROM's FLASH_BEGIN erase-size bug, checked against the host-side correction the
 * serial-protocol documentation points to (esptool's ESP8266ROM.get_erase_size), re-derived here:
 * with n sectors to erase from start sector s and head = min(16 - s % 16, n) sectors up to the next
 * 64 KiB boundary, the host sends ceil(n/2) sectors when n < 2*head, else n - head sectors.
 */
function correctedEraseSize(offset: number, size: number): number {
  const sector = 4096;
  const n = Math.ceil(size / sector);
  const start = Math.floor(offset / sector);
  let head = 16 - (start % 16);
  if (n < head) head = n;
  return n < 2 * head ? Math.floor((n + 1) / 2) * sector : (n - head) * sector;
}

describe('ESP8266 ROM erase-size quirk (SPIEraseArea miscount)', () => {
  it('erases the head sectors twice over: n + min(head, n) sectors', () => {
    // 0x2000, 5 sectors: head to the 64 KiB boundary is 14 sectors, so 5 + 5 = 10 get erased.
    expect(esp8266RomEraseSectors(0x2000, 5 * 4096)).toEqual({ first: 2, count: 10 });
    // Aligned on 64 KiB, 1 MiB: head 16, 256 + 16.
    expect(esp8266RomEraseSectors(0, 0x100000)).toEqual({ first: 0, count: 272 });
  });

  it("with esptool's corrected size it erases what is needed (at most one sector more), never less", () => {
    for (const offset of [0, 0x1000, 0x3000, 0xf000, 0x10000, 0x7b000, 0x200000]) {
      for (let sectors = 1; sectors <= 80; sectors++) {
        const size = sectors * 4096 - (sectors % 3) * 100; // also sizes not a multiple of 4 KiB
        const needed = Math.ceil(size / 4096);
        const { first, count } = esp8266RomEraseSectors(offset, correctedEraseSize(offset, size));
        expect(first).toBe(offset / 4096);
        expect(count).toBeGreaterThanOrEqual(needed);
        expect(count - needed).toBeLessThanOrEqual(1);
      }
    }
  });

  it('a naive size (the real length) over-erases past the end of the data', () => {
    const { count } = esp8266RomEraseSectors(0x3000, 0x5000);
    expect(count).toBe(10); // 5 needed, 5 more wiped
  });
});
