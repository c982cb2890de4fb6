/**
 * write-flash keeps a zopfli stream of what it wrote in Kiln's data folder: the next board given
 * the same file gets fewer bytes on the wire, and the esptool lines say the true numbers.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { boardFor } from '../../../../electron/virtual-board/access/virtual-ports';
import { virtualBoardCli } from './run-kiln';

const { dir, kiln } = virtualBoardCli('cli-streams', 'instant');

describe('kiln write-flash with kept compressed streams', () => {
  it('the second board gets the zopfli stream the first write left behind', async () => {
    const pkg = path.dirname(createRequire(import.meta.url).resolve('@micropython/micropython-webassembly-pyscript/package.json'));
    const data = new Uint8Array(readFileSync(path.join(pkg, 'micropython.wasm'))).subarray(0, 128 * 1024);
    const file = path.join(dir, 'app.bin');
    writeFileSync(file, data);
    const zlib9 = deflateSync(data, { level: 9 }).length;
    const compressedTo = (out: string) => Number(/^Compressed 131072 bytes to (\d+)\.\.\.$/m.exec(out)?.[1]);

    const first = await kiln('-p', 'virtual:esp32:a', 'write_flash', '0x100000', file);
    expect(first.code, first.err).toBe(0);
    expect(compressedTo(first.out)).toBe(zlib9);
    // The stream is finished before the command returns.
    const kept = readdirSync(path.join(dir, 'firmware', 'streams')).filter((name) => name.endsWith('.zlib'));
    expect(kept).toHaveLength(1);
    const streamBytes = readFileSync(path.join(dir, 'firmware', 'streams', kept[0]!)).length;
    expect(streamBytes).toBeLessThan(zlib9);

    const second = await kiln('-p', 'virtual:esp32:b', 'write_flash', '0x100000', file);
    expect(second.code, second.err).toBe(0);
    expect(compressedTo(second.out)).toBe(streamBytes);
    expect(second.out).toMatch(new RegExp(`^Wrote 131072 bytes \\(${streamBytes} compressed\\) at 0x00100000`, 'm'));
    expect(second.out).toMatch(/^Hash of data verified\.$/m);
    expect(Buffer.from((await boardFor('virtual:esp32:b')).readFlash(0x100000, data.length)).equals(Buffer.from(data))).toBe(true);
  });
});
