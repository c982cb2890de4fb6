/** The store of smaller compressed streams beside the firmware cache (compressed-streams.ts), with a stand-in compressor. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompressedStreamStore, streamKey, type CompressedStreamStoreOptions } from '../../../../electron/firmware/compressed-streams';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kiln-streams-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Deterministic, compressible image-like bytes. */
function image(seed: number, size = 100_000): Uint8Array {
  const data = new Uint8Array(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    data[i] = i % 5 === 0 ? x >>> 24 : (i >> 4) & 0xff;
  }
  return data;
}

function store(options: Partial<CompressedStreamStoreOptions> = {}) {
  const calls: number[] = [];
  const warnings: string[] = [];
  const streams = new CompressedStreamStore({
    dir,
    compress: (data) => {
      calls.push(data.length);
      return Promise.resolve(new Uint8Array(deflateSync(data, { level: 9 })));
    },
    onWarning: (message) => warnings.push(message),
    ...options,
  });
  return { streams, calls, warnings };
}

const files = () => readdirSync(dir).sort();
const fileOf = (data: Uint8Array) => path.join(dir, `${streamKey(data)}.zlib`);

describe('compressed streams kept per image', () => {
  it('keeps a stream that inflates to the image, under the SHA-256 of the image, and hands it back', async () => {
    const { streams, calls } = store();
    const data = image(1);
    expect(await streams.get(data)).toBeNull();
    await streams.prepare(data);
    expect(files()).toEqual([`${streamKey(data)}.zlib`]);
    const stream = await streams.get(data);
    expect(Buffer.from(inflateSync(stream!)).equals(Buffer.from(data))).toBe(true);
    // Already kept: asking again compresses nothing.
    await streams.prepare(data.slice());
    expect(calls).toEqual([data.length]);
  });

  it('is keyed by the final bytes: a header patched after the download is another image', async () => {
    const { streams } = store();
    const downloaded = image(2);
    await streams.prepare(downloaded);
    const patched = downloaded.slice();
    patched[2] = 0x02; // flash mode and size, as the wizard's choices patch them
    patched[3] = 0x40;
    expect(await streams.get(patched)).toBeNull();
    expect(await streams.get(downloaded)).not.toBeNull();
  });

  it('the write hook answers null for new bytes and makes their stream in the background, once', async () => {
    const { streams, calls } = store();
    const data = image(3);
    const [first, second] = await Promise.all([streams.streamFor(data), streams.streamFor(data.slice())]);
    expect(first).toBeNull();
    expect(second).toBeNull();
    expect(streams.busy).toBe(true);
    await streams.idle();
    expect(streams.busy).toBe(false);
    expect(calls).toEqual([data.length]);
    const next = await streams.streamFor(data);
    expect(Buffer.from(inflateSync(next!)).equals(Buffer.from(data))).toBe(true);
  });

  it('makes one stream at a time, in the order asked', async () => {
    const order: string[] = [];
    let running = 0;
    const { streams } = store({
      compress: async (data) => {
        running += 1;
        expect(running).toBe(1);
        order.push(`start ${data[0]}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        order.push(`end ${data[0]}`);
        running -= 1;
        return new Uint8Array(deflateSync(data));
      },
    });
    const a = image(4);
    const b = image(5);
    a[0] = 1;
    b[0] = 2;
    await Promise.all([streams.prepare(a), streams.prepare(b)]);
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('does not bother with small data', async () => {
    const { streams, calls } = store({ minBytes: 64 * 1024 });
    await streams.prepare(image(6, 60_000));
    expect(calls).toEqual([]);
    expect(files()).toEqual([]);
  });

  it('does not spend a worker on data zlib cannot shrink (already compressed, encrypted)', async () => {
    const { streams, calls } = store();
    // Uniformly random bytes stand in for them.
    let x = 14;
    const random = Uint8Array.from({ length: 400_000 }, () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x & 0xff;
    });
    await streams.prepare(random);
    expect(calls).toEqual([]);
    expect(files()).toEqual([]);
  });

  it('ignores a damaged or truncated file (removes it, makes it again) and never hands it out', async () => {
    const { streams, warnings } = store();
    const data = image(7);
    await streams.prepare(data);
    const good = readFileSync(fileOf(data));
    writeFileSync(fileOf(data), good.subarray(0, good.length - 100));
    expect(await streams.get(data)).toBeNull();
    expect(files()).toEqual([]);
    expect(warnings.at(-1)).toMatch(/damaged and has been removed/);

    await streams.prepare(data);
    const flipped = Buffer.from(readFileSync(fileOf(data)));
    flipped[flipped.length >> 1]! ^= 0x10;
    writeFileSync(fileOf(data), flipped);
    expect(await streams.streamFor(data)).toBeNull();
    await streams.idle();
    // Made again in the background, and good this time.
    expect(Buffer.from(inflateSync((await streams.get(data))!)).equals(Buffer.from(data))).toBe(true);
  });

  it('a stream of other bytes stored under this key is not handed out', async () => {
    const { streams } = store();
    const data = image(8);
    writeFileSync(fileOf(data), deflateSync(image(9)));
    expect(await streams.get(data)).toBeNull();
  });

  it('never stores what the compressor got wrong, and says so', async () => {
    const { streams, warnings } = store({ compress: (data) => Promise.resolve(new Uint8Array(deflateSync(data.subarray(1)))) });
    await streams.prepare(image(10));
    expect(files()).toEqual([]);
    expect(warnings[0]).toMatch(/does not inflate back/);
    const failing = store({ compress: () => Promise.reject(new Error('worker died')) });
    await failing.streams.prepare(image(11));
    expect(files()).toEqual([]);
    expect(failing.warnings[0]).toMatch(/worker died.*writes use zlib/);
  });

  it('writes atomically: a temporary file of an interrupted write is never read, and is cleared once stale', async () => {
    let now = 1_000_000_000_000;
    const { streams } = store({ now: () => now });
    const data = image(12);
    const temp = path.join(dir, `.${streamKey(data)}.zlib.abcdef.tmp`);
    writeFileSync(temp, deflateSync(data).subarray(0, 500));
    expect(await streams.get(data)).toBeNull();
    utimesSync(temp, new Date(now - 60_000), new Date(now - 60_000));
    now += 60 * 60 * 1000;
    await streams.prepare(image(13));
    expect(files()).toEqual([`${streamKey(image(13))}.zlib`]);
  });

  it('keeps at most maxEntries files, evicting the least recently used', async () => {
    let now = 1_000_000_000_000;
    const { streams } = store({ maxEntries: 2, now: () => now });
    const [a, b, c] = [image(20), image(21), image(22)];
    await streams.prepare(a);
    utimesSync(fileOf(a), new Date(now), new Date(now));
    now += 1000;
    await streams.prepare(b);
    utimesSync(fileOf(b), new Date(now), new Date(now));
    now += 1000;
    // Using a makes b the least recently used.
    expect(await streams.get(a)).not.toBeNull();
    now += 1000;
    await streams.prepare(c);
    expect(await streams.get(b)).toBeNull();
    expect(await streams.get(a)).not.toBeNull();
    expect(await streams.get(c)).not.toBeNull();
    expect(files()).toHaveLength(2);
  });

  it('keeps at most maxBytes in all, never evicting the stream just made', async () => {
    let now = 1_000_000_000_000;
    const { streams } = store({ maxBytes: 1, now: () => now });
    const [a, b] = [image(30), image(31)];
    await streams.prepare(a);
    utimesSync(fileOf(a), new Date(now), new Date(now));
    now += 1000;
    await streams.prepare(b);
    expect(files()).toEqual([`${streamKey(b)}.zlib`]);
  });
});

describe('compressed streams in two passes (quick, then thorough)', () => {
  const quickOf = (data: Uint8Array) => path.join(dir, `${streamKey(data)}.quick.zlib`);
  const level = (n: number) => (data: Uint8Array) => Promise.resolve(new Uint8Array(deflateSync(data, { level: n })));

  it('hands out the quick stream while the thorough one is made, then the thorough one, and removes the quick file', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { streams } = store({
      quickCompress: level(1),
      compress: async (data) => {
        await gate;
        return new Uint8Array(deflateSync(data, { level: 9 }));
      },
    });
    const data = image(40);
    expect(await streams.streamFor(data)).toBeNull(); // nothing yet: both passes are queued
    await expect.poll(() => files()).toEqual([`${streamKey(data)}.quick.zlib`]);
    const quick = await streams.streamFor(data);
    expect(Buffer.from(quick!).equals(deflateSync(data, { level: 1 }))).toBe(true);
    expect(streams.busy).toBe(true); // the thorough pass still runs
    release();
    await streams.idle();
    expect(files()).toEqual([`${streamKey(data)}.zlib`]);
    expect(Buffer.from((await streams.get(data))!).equals(deflateSync(data, { level: 9 }))).toBe(true);
  });

  it('a store left with only the quick stream (the app quit mid-pass) makes the thorough one when next asked, not the quick one again', async () => {
    const passes: string[] = [];
    const { streams } = store({
      quickCompress: (data) => (passes.push('quick'), level(1)(data)),
      compress: (data) => (passes.push('thorough'), level(9)(data)),
    });
    const data = image(41);
    writeFileSync(quickOf(data), deflateSync(data, { level: 1 }));
    expect(await streams.streamFor(data)).not.toBeNull();
    await streams.idle();
    expect(passes).toEqual(['thorough']);
    expect(files()).toEqual([`${streamKey(data)}.zlib`]);
  });

  it('a thorough pass that fails leaves the quick stream in use, and says so', async () => {
    const { streams, warnings } = store({ quickCompress: level(1), compress: () => Promise.reject(new Error('the worker ran out of memory')) });
    const data = image(42);
    await streams.prepare(data);
    expect(files()).toEqual([`${streamKey(data)}.quick.zlib`]);
    expect(await streams.get(data)).not.toBeNull();
    expect(warnings).toEqual([expect.stringMatching(/the worker ran out of memory.*writes use the quicker stream made first/)]);
  });

  it('evicts a key\'s files together with the other keys\' when over maxEntries', async () => {
    let now = 1_000_000_000_000;
    const { streams } = store({ quickCompress: null, maxEntries: 1, now: () => now });
    const [a, b] = [image(43), image(44)];
    writeFileSync(quickOf(a), deflateSync(a, { level: 1 }));
    utimesSync(quickOf(a), new Date(now), new Date(now));
    now += 1000;
    await streams.prepare(b);
    expect(files()).toEqual([`${streamKey(b)}.zlib`]);
  });
});
