import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FirmwareCache } from '../../../../electron/firmware/cache';
import { FirmwareError } from '../../../../electron/firmware/errors';
import { createFirmwareService, type FirmwareService } from '../../../../electron/firmware/service';
import type { CatalogEntry, DownloadProgress } from '../../../../shared/types/firmware';
import { makeFirmware, startFakeMicroPython, unreachableBaseUrl, type FakeMicroPython } from '../../../fixtures/firmware/fake-micropython';

const ESP32 = 'ESP32_GENERIC-20260406-v1.28.0';
const ESP32_OLD = 'ESP32_GENERIC-20251209-v1.27.0';
const C3 = 'ESP32_GENERIC_C3-20260406-v1.28.0';
const pathOf = (id: string) => `/resources/firmware/${id}.bin`;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** Byte-for-byte equality; vitest's deep equality is needlessly slow on big arrays. */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.compare(Buffer.from(actual), Buffer.from(expected))).toBe(0);
}

let dataDir: string;
let server: FakeMicroPython;
let clock: number;
const now = () => (clock += 1000);

function service(extra: { cacheLimitBytes?: number } = {}): FirmwareService {
  return createFirmwareService({ dataDir, catalogBaseUrl: server.baseUrl, now, ...extra });
}
const cacheDir = () => join(dataDir, 'firmware', 'cache');

async function expectFailure(promise: Promise<unknown>, failure: string, message: RegExp): Promise<FirmwareError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FirmwareError);
  expect((error as FirmwareError).failure).toBe(failure);
  expect((error as FirmwareError).message).toMatch(message);
  return error as FirmwareError;
}

beforeEach(async () => {
  clock = 1_700_000_000_000;
  dataDir = await mkdtemp(join(tmpdir(), 'kiln-cache-'));
  server = await startFakeMicroPython({ fileBytes: 200 * 1024, chunkBytes: 16 * 1024 });
});
afterEach(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('firmware download cache', () => {
  it('downloads with progress, records the SHA-256, and serves it offline afterwards', async () => {
    const fw = service();
    const events: DownloadProgress[] = [];
    const record = await fw.download(ESP32, (p) => events.push(p));
    const served = server.fileFor(pathOf(ESP32));

    expect(record.size).toBe(served.length);
    expect(record.sha256).toBe(sha(served));
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.every((e) => e.stage === 'downloading' && e.entryId === ESP32 && e.total === served.length)).toBe(true);
    for (let i = 1; i < events.length; i += 1) expect(events[i]!.done).toBeGreaterThanOrEqual(events[i - 1]!.done);
    expect(events.at(-1)!.done).toBe(served.length);
    expect(events.every((e) => e.bytesPerSecond >= 0)).toBe(true);

    const files = await readdir(cacheDir());
    expect(files.sort()).toEqual([`${ESP32}.bin`, 'index.json']);
    expectSameBytes(new Uint8Array(await readFile(join(cacheDir(), `${ESP32}.bin`))), served);

    await server.close();
    const offline = service(); // a new process: index read from disk
    const again = await offline.download(ESP32);
    expect(again.sha256).toBe(record.sha256);
    const resolved = await offline.resolveImage({ kind: 'catalog', entryId: ESP32 });
    expectSameBytes(resolved.bytes, served);
    expect(resolved.writeOffset).toBe(0x1000);
    expect(resolved.chip).toBe('esp32');
    expect(server.hits(pathOf(ESP32))).toBe(1);
  });

  it('resumes with a Range request after the server drops the connection half-way', async () => {
    server.dropAfter.set(pathOf(ESP32), 70_000);
    const fw = service();
    const events: DownloadProgress[] = [];
    const record = await fw.download(ESP32, (p) => events.push(p));
    const served = server.fileFor(pathOf(ESP32));

    const requests = server.requests.filter((r) => r.path === pathOf(ESP32));
    expect(requests).toHaveLength(2);
    expect(requests[0]!.range).toBeNull();
    const resumeAt = Number(/^bytes=(\d+)-$/.exec(requests[1]!.range ?? '')?.[1]);
    expect(resumeAt).toBeGreaterThan(0);
    expect(resumeAt).toBeLessThanOrEqual(70_000);
    expect(requests[1]!.ifRange).toMatch(/^"[0-9a-f]+"$/);
    expect(events.some((e) => e.resumedFrom === resumeAt)).toBe(true);

    expect(record.sha256).toBe(sha(served));
    expectSameBytes(new Uint8Array(await readFile(join(cacheDir(), `${ESP32}.bin`))), served);
    expect(existsSync(join(cacheDir(), `${ESP32}.bin.part`))).toBe(false);
  });

  it('restarts cleanly when the server ignores Range', async () => {
    server.dropAfter.set(pathOf(ESP32), 50_000);
    server.ignoreRange = true;
    const record = await service().download(ESP32);
    const requests = server.requests.filter((r) => r.path === pathOf(ESP32));
    expect(requests).toHaveLength(2);
    expect(requests[1]!.range).toMatch(/^bytes=\d+-$/); // asked to resume, got the whole file
    expect(record.sha256).toBe(sha(server.fileFor(pathOf(ESP32))));
    expect(record.size).toBe(200 * 1024);
  });

  it('keeps the part file of a cancelled download and resumes it next time', async () => {
    server.chunkDelayMs = 15;
    const fw = service();
    const controller = new AbortController();
    const first = fw.download(
      ESP32,
      (p) => {
        if (p.done >= 48 * 1024) controller.abort();
      },
      controller.signal,
    );
    await expectFailure(first, 'aborted', /cancelled/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(join(cacheDir(), `${ESP32}.bin`))).toBe(false);
    expect(existsSync(join(cacheDir(), `${ESP32}.bin.part`))).toBe(true);

    server.chunkDelayMs = 0;
    const record = await fw.download(ESP32);
    const last = server.requests.filter((r) => r.path === pathOf(ESP32)).at(-1)!;
    expect(last.range).toMatch(/^bytes=\d+-$/);
    expect(record.sha256).toBe(sha(server.fileFor(pathOf(ESP32))));
  });

  it('explains 404 and 500 and leaves nothing behind', async () => {
    server.status.set(pathOf(ESP32), 404);
    server.status.set(pathOf(C3), 500);
    const fw = service();
    const notFound = await expectFailure(fw.download(ESP32), 'http-status', /has no file ESP32_GENERIC-20260406-v1\.28\.0\.bin \(HTTP 404\)/);
    expect(notFound.hint).toMatch(/Refresh the firmware list/);
    expect(notFound.code).toBe('network');
    await expectFailure(fw.download(C3), 'http-status', /HTTP 500, a server error/);
    expect(server.hits(pathOf(C3))).toBe(1); // a server error is reported, not hammered
    expect(await fw.listCached()).toEqual([]);
    const left = existsSync(cacheDir()) ? (await readdir(cacheDir())).filter((f) => f !== 'index.json') : [];
    expect(left).toEqual([]);
  });

  it('refuses an HTML page served with 200 instead of the binary', async () => {
    server.htmlInstead.add(pathOf(ESP32));
    const fw = service();
    const error = await expectFailure(fw.download(ESP32), 'not-firmware', /web page instead of the firmware/);
    expect(error.code).toBe('firmware');
    expect(await fw.listCached()).toEqual([]);
    const left = existsSync(cacheDir()) ? (await readdir(cacheDir())).filter((f) => f !== 'index.json') : [];
    expect(left).toEqual([]);
  });

  it('refuses a response too small to be firmware', async () => {
    server.files.set(pathOf(ESP32), makeFirmware('esp32', 2048));
    const fw = service();
    await expectFailure(fw.download(ESP32), 'too-small', /The server sent only \d+(\.\d)? KiB for ESP32_GENERIC-20260406-v1\.28\.0\.bin/);
    expect(await fw.listCached()).toEqual([]);
  });

  it('refuses a binary that is not a firmware image, even with the right size', async () => {
    const junk = makeFirmware('esp32', 100 * 1024);
    junk[1] = 0; // zero segments: structurally not an image
    server.files.set(pathOf(ESP32), junk);
    const fw = service();
    await expectFailure(fw.download(ESP32), 'not-firmware', /0 segments/);
    expect(existsSync(join(cacheDir(), `${ESP32}.bin`))).toBe(false);
    expect(existsSync(join(cacheDir(), `${ESP32}.bin.part`))).toBe(false);
  });

  it('coalesces concurrent requests for one file into one download', async () => {
    server.chunkDelayMs = 5;
    const fw = service();
    const progressCounts = [0, 0, 0];
    const results = await Promise.all(
      [0, 1, 2].map((i) => fw.download(ESP32, () => (progressCounts[i]! += 1))),
    );
    expect(server.hits(pathOf(ESP32))).toBe(1);
    expect(new Set(results.map((r) => r.sha256)).size).toBe(1);
    expect(progressCounts.every((n) => n > 0)).toBe(true);
  });

  it('lets one waiter cancel without stopping the download for the others', async () => {
    server.chunkDelayMs = 10;
    const fw = service();
    const controller = new AbortController();
    const cancelled = fw.download(ESP32, undefined, controller.signal);
    const kept = fw.download(ESP32);
    setTimeout(() => controller.abort(), 30);
    await expectFailure(cancelled, 'aborted', /cancelled/);
    const record = await kept;
    expect(record.sha256).toBe(sha(server.fileFor(pathOf(ESP32))));
    expect(server.hits(pathOf(ESP32))).toBe(1);
  });

  it('evicts the least recently used files at the size cap', async () => {
    const fw = service({ cacheLimitBytes: Math.floor(2.5 * 200 * 1024) });
    await fw.download(ESP32);
    await fw.download(ESP32_OLD);
    await fw.resolveImage({ kind: 'catalog', entryId: ESP32 }); // ESP32 used again: ESP32_OLD is now the oldest
    await fw.download(C3);
    const cached = (await fw.listCached()).map((c) => c.entryId).sort();
    expect(cached).toEqual([C3, ESP32].sort());
    expect(existsSync(join(cacheDir(), `${ESP32_OLD}.bin`))).toBe(false);
    expect(existsSync(join(cacheDir(), `${ESP32}.bin`))).toBe(true);
  });

  it('never evicts a file that is in use', async () => {
    const fw = service();
    const entries = (await fw.listCatalog()).entries;
    const entry = (id: string) => entries.find((e) => e.id === id) as CatalogEntry;
    const cache = new FirmwareCache({ dir: join(dataDir, 'direct'), limitBytes: Math.floor(2.5 * 200 * 1024), now });
    await cache.ensure(entry(ESP32));
    await cache.ensure(entry(ESP32_OLD));
    const release = cache.pin(ESP32); // the oldest, but a flash job holds it
    await cache.ensure(entry(C3));
    expect((await cache.list()).map((c) => c.entryId).sort()).toEqual([C3, ESP32].sort());
    release();
  });

  it('detects a corrupted cached file, refuses to hand it out, and downloads it again', async () => {
    const fw = service();
    const first = await fw.download(ESP32);
    const file = join(cacheDir(), `${ESP32}.bin`);
    const bytes = new Uint8Array(await readFile(file));
    bytes[100_000]! ^= 0x01;
    await writeFile(file, bytes);

    const repaired = await fw.download(ESP32);
    expect(repaired.repaired).toMatch(/damaged/);
    expect(repaired.sha256).toBe(first.sha256);
    expect(server.hits(pathOf(ESP32))).toBe(2);

    // flip again, then ask for the bytes: refused and dropped, never returned
    const again = new Uint8Array(await readFile(file));
    again[5000]! ^= 0x80;
    await writeFile(file, again);
    await expectFailure(fw.resolveImage({ kind: 'catalog', entryId: ESP32 }), 'cache-corrupt', /no longer matches/);
    expect(await fw.listCached()).toEqual([]);
    await expectFailure(fw.resolveImage({ kind: 'catalog', entryId: ESP32 }), 'not-downloaded', /not downloaded/);
  });

  it('removes a cached file on request', async () => {
    const fw = service();
    await fw.download(ESP32);
    expect(await fw.removeCached(ESP32)).toBe(true);
    expect(await fw.listCached()).toEqual([]);
    expect(existsSync(join(cacheDir(), `${ESP32}.bin`))).toBe(false);
    expect(await fw.removeCached(ESP32)).toBe(false);
  });

  it('says so when the server cannot be reached at all', async () => {
    const offline = createFirmwareService({ dataDir, catalogBaseUrl: await unreachableBaseUrl(), now });
    const error = await expectFailure(offline.download(ESP32), 'network', /Couldn't reach 127\.0\.0\.1:\d+ to download ESP32_GENERIC-20260406-v1\.28\.0\.bin \(connect ECONNREFUSED/);
    expect(error.hint).toMatch(/offline/);
    expect(await offline.listCached()).toEqual([]);
  });

  it('rejects an entry id that is not in the catalog', async () => {
    await expectFailure(service().download('NOT_A_BOARD-20260406-v1.28.0'), 'unknown-entry', /not in the firmware list/);
  });
});
