/** Zopfli in its worker thread: the stream it makes is one every inflater Kiln meets accepts, and smaller than zlib 9 on real code. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InflateStream } from '../../../../electron/virtual-board/loaders/inflate-stream';
import { ZopfliError, zopfliCompress } from '../../../../electron/firmware/zopfli';

/** Real compiled code and data: MicroPython's own WebAssembly build, from its npm package. */
function micropythonBytes(length: number): Uint8Array {
  const pkg = path.dirname(createRequire(import.meta.url).resolve('@micropython/micropython-webassembly-pyscript/package.json'));
  return new Uint8Array(readFileSync(path.join(pkg, 'micropython.wasm'))).subarray(0, length);
}

describe('zopfli in a worker', () => {
  const data = micropythonBytes(192 * 1024);

  it('makes a zlib stream (header and Adler-32) that Node and the virtual stub inflate to the data, smaller than zlib level 9', async () => {
    const stream = await zopfliCompress(data);
    // A zlib header: deflate, 32 KiB window, check bits valid.
    expect(stream[0]).toBe(0x78);
    expect(((stream[0]! << 8) | stream[1]!) % 31).toBe(0);
    expect(Buffer.from(inflateSync(stream)).equals(Buffer.from(data))).toBe(true);

    // The virtual board's stub, fed in 16 KiB blocks as FLASH_DEFL_DATA brings them.
    const out: Uint8Array[] = [];
    const board = new InflateStream((chunk) => out.push(chunk.slice()));
    let state = { error: false, ended: false };
    for (let at = 0; at < stream.length; at += 0x4000) state = await board.push(stream.subarray(at, at + 0x4000));
    board.destroy();
    expect(state.error).toBe(false);
    expect(Buffer.concat(out).equals(Buffer.from(data))).toBe(true);

    const zlib9 = deflateSync(data, { level: 9 }).length;
    expect(stream.length).toBeLessThan(zlib9 * 0.98);
  });

  it('stops when asked', async () => {
    const controller = new AbortController();
    const running = zopfliCompress(data, undefined, controller.signal);
    controller.abort();
    await expect(running).rejects.toThrow(ZopfliError);
  });
});
