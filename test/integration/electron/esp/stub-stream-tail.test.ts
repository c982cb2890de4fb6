/**
 * An image that is a whole number of the stub's 32 KiB inflate buffers (a full-flash restore)
 * whose compressed stream would end with a block holding only its last bytes: the stub writes its
 * last buffer as soon as it fills, before the stream's end has arrived, and answers "too much
 * data" (the virtual stub models it). Kiln sends such a stream in slightly smaller blocks.
 */
import { deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFlash } from '../../../../electron/esp/operations';
import { stubDeflateBlockSize } from '../../../../electron/esp/operations/stub-inflate-buffer';
import { closeBoards, rig, same } from './helpers';

afterEach(closeBoards);

const BLOCK = 0x4000;

/** 64 KiB: `random` incompressible bytes, then zeros. */
function imageWith(random: number): Uint8Array {
  const data = new Uint8Array(64 * 1024);
  let x = 12345;
  for (let i = 0; i < random; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return data;
}

/** An image whose level-9 stream leaves 1 to 4 bytes (part of the Adler-32) for a last block. */
function imageWithTinyLastBlock(): { image: Uint8Array; compressed: number } {
  for (let random = 16_000; random < 17_000; random++) {
    const image = imageWith(random);
    const compressed = deflateSync(image, { level: 9 }).length;
    const last = compressed % BLOCK;
    if (last >= 1 && last <= 4) return { image, compressed };
  }
  throw new Error('no such image in the range searched');
}

describe('the block size for a stream to the stub', () => {
  it('is the largest unless the image fills whole 32 KiB buffers and the last block would be only the stream\'s end', () => {
    expect(stubDeflateBlockSize(65536, 2 * BLOCK + 3, BLOCK)).toBe(BLOCK - 16);
    expect(stubDeflateBlockSize(65536, 2 * BLOCK + 100, BLOCK)).toBe(BLOCK);
    expect(stubDeflateBlockSize(65536, 2 * BLOCK, BLOCK)).toBe(BLOCK);
    expect(stubDeflateBlockSize(65537, 2 * BLOCK + 3, BLOCK)).toBe(BLOCK); // the last buffer waits for the stream's end
    const chosen = stubDeflateBlockSize(65536, 2 * BLOCK + 3, BLOCK);
    expect((2 * BLOCK + 3) % chosen).toBeGreaterThanOrEqual(16);
  });
});

describe.each(['esp8266', 'esp32'] as const)('%s', (chip) => {
  it('writes a 64 KiB image whose stream ends just past a block in one pass', async () => {
    const { image, compressed } = imageWithTinyLastBlock();
    const { board, session, warnings } = await rig(chip);
    const result = await writeFlash(session, [{ offset: 0x100000, data: image }], { skipUnchanged: false });
    const region = result.regions[0]!;
    expect(region.verified).toBe(true);
    expect(same(board.readFlash(0x100000, image.length), image)).toBe(true);
    expect(region.sentBytes).toBe(compressed); // no second attempt
    expect(warnings).toEqual([]);
  });
});
