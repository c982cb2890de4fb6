/**
 * Espressif's stub keeps inflated bytes of an unfinished compressed stream in its 32 KiB buffer
 * and writes them first at the next stream's offset (the virtual stub models it). A write
 * cancelled mid-stream, then a new session on the still-running stub: Kiln must empty that buffer
 * first, or the next image lands shifted and is only put right by repair rounds.
 */
import { deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { openSession } from '../../../../electron/esp/session';
import { writeFlash } from '../../../../electron/esp/operations';
import { createVirtualBoard, type VirtualBoard } from '../../../../electron/virtual-board';
import { pattern, same } from './helpers';

const boards: VirtualBoard[] = [];
afterEach(async () => {
  for (const board of boards.splice(0)) await board.close();
});

describe.each(['esp8266', 'esp32'] as const)('%s: a stub left with part of a cancelled stream', (chip) => {
  it('writes the next image exactly, in one pass, without repair', async () => {
    const board = await createVirtualBoard({ chip, linkModel: false });
    boards.push(board);
    const first = await openSession(board.connect(), { connectAttempts: 3 });
    expect(first.stubState).toBe('uploaded');
    // Cancel the first write once about 50 KiB were acknowledged: the stub has written 32 KiB and
    // holds the rest of what it inflated.
    const cancel = new AbortController();
    const cancelled = writeFlash(first, [{ offset: 0x100000, data: pattern(256 * 1024, 5) }], { skipUnchanged: false }, {
      signal: cancel.signal,
      onProgress: (p) => {
        if (p.stage === 'writing' && p.done >= 50 * 1024) cancel.abort();
      },
    });
    await expect(cancelled).rejects.toThrow();
    await first.close('no-reset');

    const second = await openSession(board.connect(), { before: 'no-reset', connectAttempts: 2 });
    expect(second.stubState).toBe('already-running');
    const image = pattern(96 * 1024, 9);
    const result = await writeFlash(second, [{ offset: 0x200000, data: image }], { skipUnchanged: false });
    const region = result.regions[0]!;
    expect(region.verified).toBe(true);
    expect(same(board.readFlash(0x200000, image.length), image)).toBe(true);
    // One stream's worth of bytes (level 9, as Kiln compresses; the emptying stream is not counted): no repair pass.
    expect(region.sentBytes).toBe(deflateSync(image, { level: 9 }).length);
    expect(second.baudNotes.join(' ')).not.toMatch(/did not match/);
    await second.close('no-reset');
  });
});
