import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FirmwareError } from '../../../../electron/firmware/errors';
import { createFirmwareService, type FirmwareService } from '../../../../electron/firmware/service';
import { makeFirmware, startFakeMicroPython, type FakeMicroPython } from '../../../fixtures/firmware/fake-micropython';

const KB = 1024;
const MB = 1024 * 1024;
let dataDir: string;
let workDir: string;
let server: FakeMicroPython;
let fw: FirmwareService;

async function failure(promise: Promise<unknown>): Promise<FirmwareError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FirmwareError);
  return error as FirmwareError;
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kiln-fw-data-'));
  workDir = await mkdtemp(join(tmpdir(), 'kiln-fw-user-'));
  server = await startFakeMicroPython({ fileBytes: 640 * KB });
  fw = createFirmwareService({ dataDir, catalogBaseUrl: server.baseUrl });
});
afterEach(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(workDir, { recursive: true, force: true });
});

describe('local images', () => {
  it('copies the file in, so moving or changing the original does not change what gets flashed', async () => {
    const bytes = makeFirmware('esp32c3', 300 * KB, 42);
    const path = join(workDir, 'my-build.bin');
    await writeFile(path, bytes);
    const image = await fw.addLocalImage(path);
    expect(image).toMatchObject({
      name: 'my-build.bin',
      originalPath: path,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect(image.summary).toMatchObject({ chip: 'esp32c3', format: 'esp32-family', checksumValid: true });
    expect(image.summary.description).toMatch(/^ESP32-C3 image, 2 segments/);

    await writeFile(path, makeFirmware('esp32c3', 300 * KB, 7)); // the user rebuilds...
    await rm(path); // ...and moves it away
    const resolved = await fw.resolveImage({ kind: 'local', id: image.id });
    expect(resolved.bytes.length).toBe(bytes.length);
    expect(Buffer.compare(Buffer.from(resolved.bytes), Buffer.from(bytes))).toBe(0);
    expect(resolved.writeOffset).toBe(0);
    expect(resolved.chip).toBe('esp32c3');
  });

  it('keeps one copy of the same file added twice, and lists and removes', async () => {
    const path = join(workDir, 'a.bin');
    await writeFile(path, makeFirmware('esp8266', 100 * KB));
    const first = await fw.addLocalImage(path);
    const second = await fw.addLocalImage(path);
    expect(second.id).toBe(first.id);
    expect((await fw.listLocal()).map((i) => i.id)).toEqual([first.id]);
    expect(await fw.removeLocal(first.id)).toBe(true);
    expect(await fw.listLocal()).toEqual([]);
    expect((await readdir(join(dataDir, 'firmware', 'local'))).filter((f) => f.endsWith('.bin'))).toEqual([]);
    expect(await fw.removeLocal(first.id)).toBe(false);
  });

  it('refuses files that are not firmware, and missing files, with readable messages', async () => {
    const html = join(workDir, 'download.bin');
    await writeFile(html, '<!DOCTYPE html><html><body>Moved</body></html>');
    const notFirmware = await failure(fw.addLocalImage(html));
    expect(notFirmware.failure).toBe('not-firmware');
    expect(notFirmware.message).toMatch(/download\.bin: not a firmware image \(first byte 0x3C, expected 0xE9\) — is this an HTML page\?/);

    const missing = await failure(fw.addLocalImage(join(workDir, 'nope.bin')));
    expect(missing.failure).toBe('local-file');
    expect(missing.message).toMatch(/nope\.bin does not exist/);

    const empty = join(workDir, 'empty.bin');
    await writeFile(empty, new Uint8Array(0));
    expect((await failure(fw.addLocalImage(empty))).message).toMatch(/empty file/);
    expect(await fw.listLocal()).toEqual([]);
  });

  it('refuses to hand out a local copy that changed on disk', async () => {
    const path = join(workDir, 'x.bin');
    await writeFile(path, makeFirmware('esp32', 100 * KB));
    const image = await fw.addLocalImage(path);
    const copy = join(dataDir, 'firmware', 'local', `${image.id}.bin`);
    const bytes = new Uint8Array(await readFile(copy));
    bytes[50_000]! ^= 0x10;
    await writeFile(copy, bytes);
    const error = await failure(fw.resolveImage({ kind: 'local', id: image.id }));
    expect(error.failure).toBe('cache-corrupt');
    expect(error.message).toMatch(/no longer matches/);
  });
});

describe('fit checks through the service', () => {
  it('checks a downloaded catalog build against the board and suggests the right variant', async () => {
    await fw.download('ESP8266_GENERIC-20260406-v1.28.0');
    const ok = await fw.checkFit({ kind: 'catalog', entryId: 'ESP8266_GENERIC-20260406-v1.28.0' }, { chip: 'esp8266', flashSizeBytes: 4 * MB });
    expect(ok).toMatchObject({ ok: true, errors: [] });

    const tooSmall = await fw.checkFit({ kind: 'catalog', entryId: 'ESP8266_GENERIC-20260406-v1.28.0' }, { chip: 'esp8266', flashSizeBytes: 1 * MB });
    expect(tooSmall.ok).toBe(false);
    expect(tooSmall.errors.map((e) => e.code)).toEqual(['build-needs-more-flash']);
    expect(tooSmall.suggestion).toBe('ESP8266_GENERIC-FLASH_1M-20260406-v1.28.0');

    const wrongChip = await fw.checkFit({ kind: 'catalog', entryId: 'ESP8266_GENERIC-20260406-v1.28.0' }, { chip: 'esp32s3', flashSizeBytes: 8 * MB });
    expect(wrongChip.errors.map((e) => e.code)).toEqual(['chip-mismatch']);
    expect(wrongChip.suggestion).toBe('ESP32_GENERIC_S3-20260406-v1.28.0');
  });

  it('checks a local image, with an explicit offset', async () => {
    const path = join(workDir, 'esp32.bin');
    await writeFile(path, makeFirmware('esp32', 200 * KB));
    const image = await fw.addLocalImage(path);
    const result = await fw.checkFit({ kind: 'local', id: image.id }, { chip: 'esp32', flashSizeBytes: 4 * MB }, { offset: 0 });
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => w.code)).toEqual(['offset-unusual']);
  });

  it('says a catalog build must be downloaded before it can be checked or flashed', async () => {
    const error = await failure(fw.checkFit({ kind: 'catalog', entryId: 'ESP32_GENERIC-20260406-v1.28.0' }, { chip: 'esp32', flashSizeBytes: 4 * MB }));
    expect(error.failure).toBe('not-downloaded');
    expect(error.code).toBe('not-found');
  });
});
