import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFirmwareService } from '../../../../electron/firmware/service';
import { CATALOG_BOARD_IDS } from '../../../../electron/firmware/targets';
import { startFakeMicroPython, unreachableBaseUrl, type FakeMicroPython } from '../../../fixtures/firmware/fake-micropython';

let dataDir: string;
let server: FakeMicroPython;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kiln-catalog-'));
  server = await startFakeMicroPython();
});
afterEach(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('firmware catalog', () => {
  it('starts from the shipped snapshot, with URLs under the configured base', async () => {
    const service = createFirmwareService({ dataDir, catalogBaseUrl: server.baseUrl });
    const view = await service.listCatalog();
    expect(view.source).toBe('snapshot');
    expect(view.snapshotDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const small = view.entries.find((e) => e.id === 'ESP8266_GENERIC-FLASH_1M-20260406-v1.28.0');
    expect(small).toMatchObject({
      boardId: 'ESP8266_GENERIC',
      variant: 'FLASH_1M',
      chip: 'esp8266',
      minFlashBytes: 1024 * 1024,
      writeOffset: 0,
      version: '1.28.0',
      date: '2026-04-06',
      channel: 'stable',
      fileName: 'ESP8266_GENERIC-FLASH_1M-20260406-v1.28.0.bin',
      url: `${server.baseUrl}/resources/firmware/ESP8266_GENERIC-FLASH_1M-20260406-v1.28.0.bin`,
    });
    const offsets = Object.fromEntries(view.entries.map((e) => [e.boardId, e.writeOffset]));
    expect(offsets).toEqual({
      ESP8266_GENERIC: 0,
      ESP32_GENERIC: 0x1000,
      ESP32_GENERIC_S2: 0x1000,
      ESP32_GENERIC_C3: 0,
      ESP32_GENERIC_S3: 0,
    });
    expect(server.requests).toHaveLength(0);
  });

  it('refreshes from the board pages and persists the result as the last good catalog', async () => {
    const service = createFirmwareService({ dataDir, catalogBaseUrl: server.baseUrl });
    const result = await service.refreshCatalog();
    expect(result.ok).toBe(true);
    expect(result.failedBoards).toEqual([]);
    expect(result.message).toMatch(/updated/);
    expect(result.catalog.source).toBe('network');
    for (const board of CATALOG_BOARD_IDS) expect(server.hits(`/download/${board}/`)).toBe(1);

    const ids = result.catalog.entries.map((e) => e.id);
    expect(ids).toContain('ESP8266_GENERIC-20260510-v1.29.0-preview.41.g0123abcd');
    expect(ids).toContain('ESP8266_GENERIC-FLASH_512K-20260406-v1.28.0');
    expect(ids).toContain('ESP32_GENERIC_S3-SPIRAM_OCT-20251209-v1.27.0');
    // three newest stable releases per build; variants Kiln does not offer are left out
    expect(ids).not.toContain('ESP8266_GENERIC-20250415-v1.25.0');
    expect(ids.some((id) => id.includes('-OTA-'))).toBe(false);
    const preview = result.catalog.entries.find((e) => e.version.includes('preview'));
    expect(preview?.channel).toBe('preview');
    expect(preview?.url).toBe(`${server.baseUrl}/resources/firmware/ESP8266_GENERIC-20260510-v1.29.0-preview.41.g0123abcd.bin`);

    const persisted = JSON.parse(await readFile(join(dataDir, 'firmware', 'catalog.json'), 'utf8')) as { releases: unknown[] };
    expect(persisted.releases.length).toBe(result.catalog.entries.length);
  });

  it('keeps the last good catalog when the server is down, and says so', async () => {
    const first = createFirmwareService({ dataDir, catalogBaseUrl: server.baseUrl });
    const good = await first.refreshCatalog();
    expect(good.ok).toBe(true);

    const offline = createFirmwareService({ dataDir, catalogBaseUrl: await unreachableBaseUrl() });
    const before = await offline.listCatalog();
    expect(before.source).toBe('last-good');
    expect(before.entries.map((e) => e.id)).toEqual(good.catalog.entries.map((e) => e.id));

    const failed = await offline.refreshCatalog();
    expect(failed.ok).toBe(false);
    expect(failed.failedBoards).toEqual([...CATALOG_BOARD_IDS]);
    expect(failed.message).toMatch(/Couldn't refresh the firmware list from 127\.0\.0\.1:\d+ \(connection refused\)\. Kept the last good list from \d{4}-\d{2}-\d{2}\./);
    expect(failed.catalog.source).toBe('last-good');
    expect(failed.catalog.entries.map((e) => e.id)).toEqual(good.catalog.entries.map((e) => e.id));
  });

  it('falls back to the snapshot when there has never been a good refresh', async () => {
    const offline = createFirmwareService({ dataDir, catalogBaseUrl: await unreachableBaseUrl() });
    const failed = await offline.refreshCatalog();
    expect(failed.ok).toBe(false);
    expect(failed.message).toMatch(/Kept the list shipped with Kiln \(\d{4}-\d{2}-\d{2}\)/);
    expect(failed.catalog.source).toBe('snapshot');
    expect(failed.catalog.entries.length).toBeGreaterThan(10);
  });

  it('keeps the previous entries of a board whose page fails, and refreshes the others', async () => {
    server.status.set('/download/ESP32_GENERIC_C3/', 500);
    const service = createFirmwareService({ dataDir, catalogBaseUrl: server.baseUrl });
    const result = await service.refreshCatalog();
    expect(result.ok).toBe(false);
    expect(result.failedBoards).toEqual(['ESP32_GENERIC_C3']);
    expect(result.message).toMatch(/except ESP32_GENERIC_C3 \(HTTP 500/);
    const c3 = result.catalog.entries.filter((e) => e.boardId === 'ESP32_GENERIC_C3');
    expect(c3.length).toBeGreaterThan(0); // from the snapshot
    expect(result.catalog.entries.some((e) => e.version.includes('preview'))).toBe(true); // fresh ESP8266 page
  });

  it('treats a board page without firmware links as a failure (layout changed)', async () => {
    const service = createFirmwareService({ dataDir, catalogBaseUrl: server.baseUrl });
    for (const board of CATALOG_BOARD_IDS) server.htmlInstead.add(`/download/${board}/`);
    const result = await service.refreshCatalog();
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/no firmware links/);
    expect(result.catalog.source).toBe('snapshot');
  });
});
