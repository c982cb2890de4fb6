import { describe, expect, it } from 'vitest';
import { crc32 } from '../../../../../electron/virtual-board/micropython/crc32';
import {
  decodeFsImage,
  encodeFsImage,
  FS_IMAGE_HEADER_BYTES,
  fsImageSize,
  isValidFsPath,
  type FsEntry,
} from '../../../../../electron/virtual-board/micropython/fs-image';

const entries: FsEntry[] = [
  { kind: 'dir', path: 'lib' },
  { kind: 'file', path: 'lib/util.py', data: new TextEncoder().encode('VALUE = 7\n') },
  { kind: 'file', path: 'main.py', data: new TextEncoder().encode("print('hi')\n") },
  { kind: 'file', path: 'grüße.bin', data: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff) },
  { kind: 'file', path: 'empty.txt', data: new Uint8Array(0) },
];

/** The image placed at the start of a larger flash region, the rest erased. */
function inRegion(image: Uint8Array, size = 4096): Uint8Array {
  const region = new Uint8Array(size).fill(0xff);
  region.set(image);
  return region;
}

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('filesystem image', () => {
  it('round-trips files, folders, empty files and UTF-8 names', () => {
    expect(decodeFsImage(inRegion(encodeFsImage(entries)))).toEqual({ status: 'ok', entries });
  });

  it('has the size fsImageSize predicts (the firmware enforces the region size with it)', () => {
    expect(encodeFsImage(entries).length).toBe(fsImageSize(entries));
    expect(fsImageSize([])).toBe(FS_IMAGE_HEADER_BYTES);
    expect(encodeFsImage([])).toHaveLength(FS_IMAGE_HEADER_BYTES);
  });

  it('starts with the KLNF magic and version 1', () => {
    const image = encodeFsImage(entries);
    expect(Array.from(image.subarray(0, 6))).toEqual([0x4b, 0x4c, 0x4e, 0x46, 1, 0]);
  });

  it('reads erased flash as blank', () => {
    expect(decodeFsImage(new Uint8Array(8192).fill(0xff))).toEqual({ status: 'blank' });
  });

  it('reads damaged images as corrupt', () => {
    const image = encodeFsImage(entries);
    const flipped = inRegion(image);
    flipped[FS_IMAGE_HEADER_BYTES + 20] = flipped[FS_IMAGE_HEADER_BYTES + 20]! ^ 0x01;
    expect(decodeFsImage(flipped)).toMatchObject({ status: 'corrupt', reason: 'checksum mismatch' });

    const badMagic = inRegion(image);
    badMagic[0] = 0x00;
    expect(decodeFsImage(badMagic)).toMatchObject({ status: 'corrupt', reason: 'no filesystem magic' });

    const badVersion = inRegion(image);
    badVersion[4] = 9;
    expect(decodeFsImage(badVersion).status).toBe('corrupt');

    expect(decodeFsImage(image.subarray(0, image.length - 10)).status).toBe('corrupt');
    expect(decodeFsImage(new Uint8Array(4096)).status).toBe('corrupt');
  });

  it('rejects a consistent image whose entries are malformed', () => {
    // Rebuild an image by hand with a ".." path and a valid checksum.
    const path = new TextEncoder().encode('../x');
    const payload = new Uint8Array(8 + path.length);
    payload[0] = 1;
    payload[2] = path.length;
    payload.set(path, 8);
    const image = new Uint8Array(FS_IMAGE_HEADER_BYTES + payload.length);
    const view = new DataView(image.buffer);
    image.set([0x4b, 0x4c, 0x4e, 0x46]);
    view.setUint16(4, 1, true);
    view.setUint16(6, 1, true);
    view.setUint32(8, payload.length, true);
    view.setUint32(12, crc32(payload), true);
    image.set(payload, FS_IMAGE_HEADER_BYTES);
    expect(decodeFsImage(image)).toMatchObject({ status: 'corrupt', reason: 'entry 0 has a bad path' });
  });

  it('refuses to encode invalid or duplicate paths', () => {
    expect(() => encodeFsImage([{ kind: 'dir', path: '/abs' }])).toThrow(RangeError);
    expect(() => encodeFsImage([{ kind: 'dir', path: 'a' }, { kind: 'dir', path: 'a' }])).toThrow(RangeError);
  });

  it('validates paths', () => {
    expect(isValidFsPath('lib/a.py')).toBe(true);
    for (const bad of ['', '/a', 'a/', 'a//b', './a', 'a/../b', 'a\0b']) expect(isValidFsPath(bad)).toBe(false);
  });
});
