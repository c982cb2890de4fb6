/** expectedWriteMs: the flash-timing model's busy time for a write, by hand and as the virtual stub really spends it. */
import { describe, expect, it } from 'vitest';
import { expectedWriteMs, flashTimesFor } from '../../../../../electron/virtual-board/hardware/flash-timing';
import { createVirtualBoardImpl } from '../../../../../electron/virtual-board';
import { openSession } from '../../../../../electron/esp/session';
import { writeFlash } from '../../../../../electron/esp/operations';

const winbond = flashTimesFor(0xef4016); // sector 45 ms, 64 KiB block 150 ms, page 0.7 ms

describe('expectedWriteMs', () => {
  it('erases 64 KiB blocks where aligned, sectors elsewhere, and programs every page', () => {
    expect(expectedWriteMs(winbond, 0, 0)).toBe(0);
    expect(expectedWriteMs(winbond, 0, 256)).toBeCloseTo(45 + 0.7, 9);
    // One byte past a sector boundary touches two sectors.
    expect(expectedWriteMs(winbond, 0x0fff, 2)).toBeCloseTo(2 * 45 + (2 / 256) * 0.7, 9);
    // Aligned 64 KiB: one block erase.
    expect(expectedWriteMs(winbond, 0x10000, 0x10000)).toBeCloseTo(150 + 256 * 0.7, 9);
    // From 0x1000 to 0x21000: 15 sectors up to 0x10000, one block, then 1 sector.
    expect(expectedWriteMs(winbond, 0x1000, 0x20000)).toBeCloseTo(15 * 45 + 150 + 45 + (0x20000 / 256) * 0.7, 9);
    // Less than a whole block left at an aligned sector: sectors.
    expect(expectedWriteMs(winbond, 0x1000, 0x11000)).toBeCloseTo(17 * 45 + (0x11000 / 256) * 0.7, 9);
    // 600,888 bytes at 0: 146.7 sectors → 9 blocks and 3 sectors.
    expect(expectedWriteMs(winbond, 0, 600_888)).toBeCloseTo(9 * 150 + 3 * 45 + (600_888 / 256) * 0.7, 9);
  });

  it.each([
    ['esp8266', 0x0, 150_001],
    ['esp32', 0x1000, 200_000],
  ] as const)('matches what the %s stub makes the flash spend on a compressed write', async (chip, offset, length) => {
    const board = await createVirtualBoardImpl({ chip, linkModel: false, flashTiming: 0.001 });
    try {
      const session = await openSession(board.connect(), { connectAttempts: 3 });
      const before = board.flash.clock.worked;
      const data = Uint8Array.from({ length }, (_, i) => (i * 31) & 0xff);
      await writeFlash(session, [{ offset, data }], { verify: false, skipUnchanged: false });
      const padded = (length + 3) & ~3;
      // The chip's own work, whether the stub waited for it or let it run behind the next block.
      expect((board.flash.clock.worked - before) / 0.001).toBeCloseTo(expectedWriteMs(flashTimesFor(0xef4016), offset, padded), 3);
      await session.close('no-reset');
    } finally {
      await board.close();
    }
  });
});
