/**
 * Writes given a cached compressed stream (WriteFlashOptions.compressedStream), against the
 * virtual board: a real zopfli stream goes on the wire instead of zlib's (fewer bytes, same
 * flash), and a stream that does not inflate to the image is refused for zlib.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeFlash, type WriteFlashOptions } from '../../../../electron/esp/operations';
import { zopfliCompress } from '../../../../electron/firmware/zopfli';
import { closeBoards, rig, same } from './helpers';

afterEach(closeBoards);

/** Real compiled code and data (MicroPython's WebAssembly build), where zopfli beats zlib as on firmware. */
const data = (() => {
  const pkg = path.dirname(createRequire(import.meta.url).resolve('@micropython/micropython-webassembly-pyscript/package.json'));
  return new Uint8Array(readFileSync(path.join(pkg, 'micropython.wasm'))).subarray(0, 160 * 1024);
})();
const OFFSET = 0x100000;
const zlib9Bytes = deflateSync(data, { level: 9 }).length;
let zopfli: Uint8Array;
/** A valid zopfli stream of other bytes of the same length: one flipped bit. */
let foreign: Uint8Array;

beforeAll(async () => {
  const other = data.slice();
  other[1000]! ^= 0x01;
  // Fewer passes than the product's setting: these tests are about the stream being used, not its size.
  const quick = { numiterations: 15, blocksplitting: true, blocksplittingmax: 60 };
  [zopfli, foreign] = await Promise.all([zopfliCompress(data, quick), zopfliCompress(other, quick)]);
}, 60_000);

describe.each([
  ['esp8266', true],
  ['esp32', true],
  ['esp32', false],
] as const)('%s, stub %s', (chip, useStub) => {
  /** One write on a fresh board; bytes the host sent for the write alone. */
  async function write(options: WriteFlashOptions) {
    const { board, session } = await rig(chip, { useStub }, { flashTiming: 'instant' });
    const before = board.stats.hostToBoard;
    const result = await writeFlash(session, [{ offset: OFFSET, data }], { skipUnchanged: false, ...options });
    return { result, wire: board.stats.hostToBoard - before, flash: board.readFlash(OFFSET, data.length) };
  }

  it('sends the offered zopfli stream: fewer bytes on the wire, the same flash, verified', async () => {
    expect(zopfli.length).toBeLessThan(zlib9Bytes);
    const zlib = await write({ compressedStream: () => Promise.resolve(null) });
    const offered = await write({ compressedStream: () => Promise.resolve(zopfli) });
    expect(zlib.result.regions[0]).toMatchObject({ sentBytes: zlib9Bytes, verified: true });
    expect(offered.result.regions[0]).toMatchObject({ sentBytes: zopfli.length, verified: true });
    expect(offered.result.warnings).toEqual([]);
    // SLIP escaping adds a little either way; the saving shows up on the wire.
    expect(zlib.wire - offered.wire).toBeGreaterThan((zlib9Bytes - zopfli.length) * 0.9);
    expect(same(zlib.flash, data)).toBe(true);
    expect(same(offered.flash, data)).toBe(true);
  });

  it('refuses a stream of other bytes, writes with zlib level 9 and says so', async () => {
    const refused = await write({ compressedStream: () => Promise.resolve(foreign) });
    expect(refused.result.regions[0]).toMatchObject({ sentBytes: zlib9Bytes, verified: true });
    expect(refused.result.warnings.join(' ')).toMatch(/cached compressed copy of this image was not used.*MD5 differs/);
    expect(same(refused.flash, data)).toBe(true);
  });
});
