/**
 * Diff re-flash: a second write of the same (or a slightly changed) image sends and erases only
 * what the board does not already hold, finds it without the old file, and still verifies the
 * whole region.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { deflateSync } from 'node:zlib';
import type { ChipFamily } from '../../../../shared/types/chips';
import { writeFlash } from '../../../../electron/esp/operations';
import { closeBoards, md5, pattern, rig, same } from './helpers';

const OFFSET = 0x10000;
const SIZE = 256 * 1024;

afterEach(closeBoards);

/** From here on, which sectors (by index) the board's flash erases. */
function erasesOf(board: Awaited<ReturnType<typeof rig>>['board']): { sectors: () => number[] } {
  const count = board.flashSize / 4096;
  const before = Array.from({ length: count }, (_, i) => board.sectorEraseCount(i));
  return { sectors: () => before.flatMap((n, i) => (board.sectorEraseCount(i) > n ? [i] : [])) };
}

describe.each<[ChipFamily, boolean]>([
  ['esp32', true],
  ['esp8266', true],
  ['esp32', false],
])('diff re-flash on %s (stub %s)', (chip, useStub) => {
  it('writes nothing to a board that already holds the image, and still verifies it', async () => {
    const { board, session } = await rig(chip, { useStub });
    const image = pattern(SIZE, 7);
    const first = await writeFlash(session, [{ offset: OFFSET, data: image }]);
    expect(first.regions[0]!.unchangedBytes).toBe(0);
    const erases = erasesOf(board);
    const before = board.stats.hostToBoard;
    const second = await writeFlash(session, [{ offset: OFFSET, data: image }]);
    const region = second.regions[0]!;
    expect(region.unchangedBytes).toBe(SIZE);
    expect(region.sentBytes).toBe(0);
    expect(region.verification).toBe('verified');
    expect(erases.sectors()).toEqual([]);
    // Two MD5 requests (compare, verify) and no data: a few hundred bytes at most.
    expect(board.stats.hostToBoard - before).toBeLessThan(200);
    expect(same(board.readFlash(OFFSET, SIZE), image)).toBe(true);
  });

  it('rewrites only the sectors that changed', async () => {
    const { board, session } = await rig(chip, { useStub });
    const image = pattern(SIZE, 7);
    await writeFlash(session, [{ offset: OFFSET, data: image }]);
    const changed = image.slice();
    changed[5 * 4096 + 17]! ^= 0xff; // sector 5
    changed[40 * 4096 + 4000]! ^= 0x01; // sector 40
    changed[41 * 4096]! ^= 0x80; // sector 41, next to 40: one run
    const erases = erasesOf(board);
    const result = await writeFlash(session, [{ offset: OFFSET, data: changed }]);
    expect(result.regions[0]!.unchangedBytes).toBe(SIZE - 3 * 4096);
    expect(result.regions[0]!.verified).toBe(true);
    const first = OFFSET / 4096;
    expect(erases.sectors()).toEqual([first + 5, first + 40, first + 41]);
    expect(md5(board.readFlash(OFFSET, SIZE))).toBe(md5(changed));
  });

  it('on blank flash, skips the sectors the image leaves blank', async () => {
    const { board, session } = await rig(chip, { useStub });
    const image = pattern(SIZE, 3);
    image.fill(0xff, 8 * 4096, 24 * 4096); // 16 blank sectors
    const erases = erasesOf(board);
    const result = await writeFlash(session, [{ offset: OFFSET, data: image }]);
    expect(result.regions[0]!.unchangedBytes).toBe(16 * 4096);
    // The blank sectors were neither erased nor written.
    const blankSectors = Array.from({ length: 16 }, (_, i) => OFFSET / 4096 + 8 + i);
    expect(erases.sectors().filter((s) => blankSectors.includes(s))).toEqual([]);
    expect(same(board.readFlash(OFFSET, SIZE), image)).toBe(true);
  });

  it('writes everything over different firmware, and everything when told not to diff', async () => {
    const { board, session } = await rig(chip, { useStub });
    await writeFlash(session, [{ offset: OFFSET, data: pattern(SIZE, 1) }]);
    const other = pattern(SIZE, 2);
    const result = await writeFlash(session, [{ offset: OFFSET, data: other }]);
    expect(result.regions[0]!.unchangedBytes).toBeLessThan(SIZE / 8);
    expect(same(board.readFlash(OFFSET, SIZE), other)).toBe(true);

    const erases = erasesOf(board);
    const forced = await writeFlash(session, [{ offset: OFFSET, data: other }], { skipUnchanged: false });
    expect(forced.regions[0]!.unchangedBytes).toBe(0);
    expect(forced.regions[0]!.sentBytes).toBeGreaterThan(0);
    expect(erases.sectors().length).toBeGreaterThanOrEqual(SIZE / 4096);
    expect(same(board.readFlash(OFFSET, SIZE), other)).toBe(true);
  });
});

describe('diff re-flash beside a kept compressed stream', () => {
  it('on a blank board, writes the whole image with the kept stream when only a few sectors are blank', async () => {
    const { session } = await rig('esp32');
    const image = pattern(SIZE, 14);
    image.fill(0xff, 10 * 4096, 12 * 4096); // 2 of 64 sectors blank
    const kept = deflateSync(image, { level: 9 });
    const offered: number[] = [];
    const result = await writeFlash(session, [{ offset: OFFSET, data: image }], {
      compressedStream: async (data) => {
        offered.push(data.length);
        return data.length === SIZE ? new Uint8Array(kept) : null;
      },
    });
    expect(result.regions[0]!.unchangedBytes).toBe(0);
    expect(result.regions[0]!.sentBytes).toBe(kept.length);
    expect(offered.every((length) => length === SIZE)).toBe(true);
  });

  it('without a kept stream, skips those blank sectors instead', async () => {
    const { session } = await rig('esp32');
    const image = pattern(SIZE, 14);
    image.fill(0xff, 10 * 4096, 12 * 4096);
    const result = await writeFlash(session, [{ offset: OFFSET, data: image }], { compressedStream: async () => null });
    expect(result.regions[0]!.unchangedBytes).toBe(2 * 4096);
  });
});

describe('repair after a failed verify', () => {
  it('rewrites just the sectors that came out wrong, and then verifies', async () => {
    const { board, session, warnings } = await rig('esp32');
    const image = pattern(SIZE, 12);
    let damaged = false;
    const result = await writeFlash(session, [{ offset: OFFSET, data: image }], {}, {
      onProgress: (p) => {
        // Damage no block checksum would see, landing after the data went out.
        if (p.stage === 'verifying' && !damaged) {
          damaged = true;
          board.writeFlashRaw(OFFSET + 3 * 4096 + 100, new Uint8Array([image[3 * 4096 + 100]! ^ 0x24]));
        }
      },
    });
    expect(damaged).toBe(true);
    expect(result.regions[0]!.verified).toBe(true);
    expect(warnings.join('\n')).toMatch(/did not match what was sent \(1 sector differs\); writing them again/);
    expect(same(board.readFlash(OFFSET, SIZE), image)).toBe(true);
  });

  it('still fails clearly when the flash will not take the data', async () => {
    const { board, session } = await rig('esp32');
    const image = pattern(SIZE, 13);
    const result = writeFlash(session, [{ offset: OFFSET, data: image }], {}, {
      onProgress: (p) => {
        // Every time it is checked the flash is damaged again: a worn or write-protected chip.
        if (p.stage === 'verifying' || (p.stage === 'writing' && p.total < SIZE && p.done === p.total)) board.writeFlashRaw(OFFSET, new Uint8Array([image[0]! ^ 1]));
      },
    });
    await expect(result).rejects.toThrow(/Verification failed at 0x00010000/);
  });
});

describe('diff re-flash where the loader cannot hash', () => {
  it('the ESP8266 ROM writes the whole image every time', async () => {
    const { session } = await rig('esp8266', { useStub: false });
    const image = pattern(64 * 1024, 9);
    await writeFlash(session, [{ offset: OFFSET, data: image }]);
    const again = await writeFlash(session, [{ offset: OFFSET, data: image }]);
    expect(again.regions[0]!.unchangedBytes).toBe(0);
    expect(again.regions[0]!.sentBytes).toBeGreaterThanOrEqual(64 * 1024);
  });
});
