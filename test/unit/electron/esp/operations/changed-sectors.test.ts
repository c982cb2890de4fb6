import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EspLoader } from '../../../../../electron/esp/loader';
import { CHUNK_SIZE, findChangedSectors, mergeRanges } from '../../../../../electron/esp/operations/changed-sectors';

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

/** A loader whose flash is `flash` (starting at address 0), counting MD5 requests. */
function fakeLoader(flash: Uint8Array): { loader: EspLoader; requests: () => number } {
  let count = 0;
  const loader = {
    flashMd5: async (offset: number, size: number) => {
      count++;
      return md5(flash.subarray(offset, offset + size));
    },
  } as unknown as EspLoader;
  return { loader, requests: () => count };
}

function image(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('findChangedSectors', () => {
  const size = 8 * CHUNK_SIZE;

  it('asks once when the board already holds the image', async () => {
    const data = image(size, 1);
    const { loader, requests } = fakeLoader(data.slice());
    const result = await findChangedSectors(loader, 0, data, md5(data));
    expect(result).toMatchObject({ ranges: [], unchangedBytes: size });
    expect(requests()).toBe(1);
  });

  it('asks once on blank flash and keeps only non-blank sectors', async () => {
    const data = image(size, 1);
    data.fill(0xff, 0x3000, 0x5000);
    const { loader, requests } = fakeLoader(new Uint8Array(size).fill(0xff));
    const result = await findChangedSectors(loader, 0, data, md5(data));
    expect(result.ranges).toEqual([
      { start: 0, end: 0x3000 },
      { start: 0x5000, end: size },
    ]);
    expect(requests()).toBe(1);
  });

  it('refines a few differing chunks down to their sectors', async () => {
    const data = image(size, 1);
    const flash = data.slice();
    flash[2 * CHUNK_SIZE + 0x4123]! ^= 1;
    const { loader, requests } = fakeLoader(flash);
    const result = await findChangedSectors(loader, 0, data, md5(data));
    expect(result.ranges).toEqual([{ start: 2 * CHUNK_SIZE + 0x4000, end: 2 * CHUNK_SIZE + 0x5000 }]);
    expect(requests()).toBe(1 + 8 + 16);
  });

  it('does not refine when most chunks differ (other firmware)', async () => {
    const data = image(size, 1);
    const { loader, requests } = fakeLoader(image(size, 2));
    const result = await findChangedSectors(loader, 0, data, md5(data));
    expect(result.ranges).toEqual([{ start: 0, end: size }]);
    expect(requests()).toBe(1 + 8);
  });

  it('handles an image that ends inside a sector', async () => {
    const data = image(0x2345, 4);
    const flash = new Uint8Array(0x3000);
    flash.set(data);
    flash[0x2344]! ^= 1;
    const { loader } = fakeLoader(flash);
    const result = await findChangedSectors(loader, 0, data, md5(data));
    expect(result.ranges).toEqual([{ start: 0x2000, end: 0x2345 }]);
    expect(result.unchangedBytes).toBe(0x2000);
  });
});

describe('mergeRanges', () => {
  it('joins touching ranges only', () => {
    expect(
      mergeRanges([
        { start: 0, end: 10 },
        { start: 10, end: 20 },
        { start: 30, end: 40 },
      ]),
    ).toEqual([
      { start: 0, end: 20 },
      { start: 30, end: 40 },
    ]);
  });
});
