/** The firmware service starts a smaller stream for each image it downloads or is given, and hands it to writes for the same bytes. */
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFirmwareService, type FirmwareService } from '../../../../electron/firmware/service';
import { makeFirmware } from '../../../fixtures/firmware/fake-micropython';

let dataDir: string;
let workDir: string;
let made: number[];
let fw: FirmwareService;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kiln-fw-streams-'));
  workDir = await mkdtemp(join(tmpdir(), 'kiln-fw-streams-user-'));
  made = [];
  fw = createFirmwareService({
    dataDir,
    compressStream: (data) => {
      made.push(data.length);
      return Promise.resolve(new Uint8Array(deflateSync(data, { level: 9 })));
    },
  });
});
afterEach(async () => {
  await fw.compressedStreamsIdle();
  await rm(dataDir, { recursive: true, force: true });
  await rm(workDir, { recursive: true, force: true });
});

/** A valid ESP32 image whose body is real, compressible compiled code (MicroPython's WebAssembly build). */
function compressibleFirmware(length: number): Uint8Array {
  const pkg = dirname(createRequire(import.meta.url).resolve('@micropython/micropython-webassembly-pyscript/package.json'));
  const image = makeFirmware('esp32', length, 3);
  image.set(new Uint8Array(readFileSync(join(pkg, 'micropython.wasm'))).subarray(0, length - 16 * 1024), 16 * 1024);
  return image;
}

describe('smaller streams for chosen images', () => {
  it('a local image gets its stream, kept under <dataDir>/firmware/streams, for exactly its bytes', async () => {
    const bytes = compressibleFirmware(200 * 1024 + 2); // written padded to a word
    const path = join(workDir, 'build.bin');
    await writeFile(path, bytes);
    await fw.addLocalImage(path);
    // Made in the background; wait for it.
    for (let i = 0; i < 50 && made.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    await fw.compressedStreamsIdle();
    expect(made).toEqual([200 * 1024 + 4]);
    expect(await readdir(join(dataDir, 'firmware', 'streams'))).toHaveLength(1);

    const padded = new Uint8Array(bytes.length + 2).fill(0xff);
    padded.set(bytes);
    const stream = await fw.compressedStream(padded, 'ignored');
    expect(Buffer.from(inflateSync(stream!)).equals(Buffer.from(padded))).toBe(true);
    // The unpadded bytes are not what gets written: no stream for them.
    expect(await fw.compressedStream(bytes, 'ignored')).toBeNull();
  });
});
