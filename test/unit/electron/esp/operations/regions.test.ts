import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../../../electron/esp/errors';
import { checkImages, checkRegion, padToWord } from '../../../../../electron/esp/operations/regions';

const bytes = (n: number): Uint8Array => new Uint8Array(n).fill(0xab);

describe('image checks before writing', () => {
  it('sorts valid images by offset', () => {
    const sorted = checkImages([{ offset: 0x10000, data: bytes(10) }, { offset: 0x1000, data: bytes(0x1000) }], 4 << 20);
    expect(sorted.map((i) => i.offset)).toEqual([0x1000, 0x10000]);
  });

  it('refuses unaligned offsets and names the nearest valid ones', () => {
    expect(() => checkImages([{ offset: 0x1800, data: bytes(4) }], null)).toThrow(/0x00001000 or 0x00002000/);
    expect(() => checkImages([{ offset: 0x1800, data: bytes(4) }], null)).toThrow(InvalidRequestError);
  });

  it('refuses overlapping images', () => {
    expect(() => checkImages([{ offset: 0x0, data: bytes(0x1001), name: 'a.bin' }, { offset: 0x1000, data: bytes(4), name: 'b.bin' }], null)).toThrow(/a\.bin .* overlaps b\.bin/);
    expect(() => checkImages([{ offset: 0x0, data: bytes(0x1000) }, { offset: 0x1000, data: bytes(4) }], null)).not.toThrow();
  });

  it('refuses images past the end of flash, empty images and an empty list', () => {
    expect(() => checkImages([{ offset: 0x80000, data: bytes(0x80001) }], 1 << 20)).toThrow(/does not fit in this board's 1.0 MiB flash/);
    expect(() => checkImages([{ offset: 0x80000, data: bytes(0x80000) }], 1 << 20)).not.toThrow();
    expect(() => checkImages([{ offset: 0, data: bytes(0) }], null)).toThrow(/empty/);
    expect(() => checkImages([], null)).toThrow(/Nothing to write/);
  });

  it('pads to whole words with the erased value', () => {
    expect(Array.from(padToWord(Uint8Array.from([1, 2, 3, 4, 5])))).toEqual([1, 2, 3, 4, 5, 0xff, 0xff, 0xff]);
    const aligned = Uint8Array.from([1, 2, 3, 4]);
    expect(padToWord(aligned)).toBe(aligned);
  });

  it('checks regions', () => {
    expect(() => checkRegion(0x1000, 0x1000, 1 << 20, { aligned: true, what: 'Erase' })).not.toThrow();
    expect(() => checkRegion(0x1000, 0x800, 1 << 20, { aligned: true, what: 'Erase' })).toThrow(/multiples of 4096/);
    expect(() => checkRegion(0xff000, 0x2000, 1 << 20, { aligned: false, what: 'Read' })).toThrow(/past the end/);
    expect(() => checkRegion(0, 0, null, { aligned: false, what: 'Read' })).toThrow(/positive/);
  });
});
