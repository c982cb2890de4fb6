import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBoardPage } from '../../../../electron/firmware/board-page';
import { BUILD_TARGETS, compareVersions, findTarget, parseFirmwareFileName } from '../../../../electron/firmware/targets';
import snapshot from '../../../../electron/firmware/catalog-snapshot.json';

const page = (board: string) => readFileSync(join(__dirname, '../../../fixtures/firmware/pages', `${board}.html`), 'utf8');

describe('MicroPython file names', () => {
  it('splits board, variant, date and version', () => {
    expect(parseFirmwareFileName('ESP32_GENERIC_S3-SPIRAM_OCT-20260406-v1.28.0.bin')).toEqual({
      fileName: 'ESP32_GENERIC_S3-SPIRAM_OCT-20260406-v1.28.0.bin',
      boardId: 'ESP32_GENERIC_S3',
      variant: 'SPIRAM_OCT',
      date: '2026-04-06',
      version: '1.28.0',
      channel: 'stable',
    });
    expect(parseFirmwareFileName('ESP8266_GENERIC-20250911-v1.26.1.bin')).toMatchObject({ boardId: 'ESP8266_GENERIC', variant: null });
    expect(parseFirmwareFileName('ESP32_GENERIC-20260510-v1.29.0-preview.41.g0123abcd.bin')).toMatchObject({
      version: '1.29.0-preview.41.g0123abcd',
      channel: 'preview',
    });
  });

  it('rejects names that are not MicroPython firmware', () => {
    expect(parseFirmwareFileName('ESP32_GENERIC-20260406-v1.28.0.elf')).toBeNull();
    expect(parseFirmwareFileName('../../etc/passwd')).toBeNull();
    expect(parseFirmwareFileName('esp32-20220117-v1.18.bin')).toBeNull(); // old lower-case naming
    expect(parseFirmwareFileName('ESP32_GENERIC-v1.28.0.bin')).toBeNull();
  });

  it('orders versions, previews before their release', () => {
    const sorted = ['1.28.0', '1.9.0', '1.28.0-preview.3.gabc', '1.28.1', '1.28.0-preview.12.gdef', '1.27.0'].sort(compareVersions);
    expect(sorted).toEqual(['1.9.0', '1.27.0', '1.28.0-preview.3.gabc', '1.28.0-preview.12.gdef', '1.28.0', '1.28.1']);
  });
});

describe('board pages', () => {
  it('finds every .bin link for the board, resolves it, and ignores the rest', () => {
    const links = parseBoardPage(page('ESP8266_GENERIC'), 'http://127.0.0.1:9/download/ESP8266_GENERIC/', 'ESP8266_GENERIC');
    const names = links.map((l) => l.fileName);
    expect(names).toHaveLength(9);
    expect(names[0]).toBe('ESP8266_GENERIC-20260510-v1.29.0-preview.41.g0123abcd.bin'); // newest first
    expect(names).toContain('ESP8266_GENERIC-FLASH_512K-20260406-v1.28.0.bin'); // unquoted href
    expect(names.some((n) => n.endsWith('.elf') || n.endsWith('.map'))).toBe(false);
    expect(links.find((l) => l.variant === 'FLASH_1M')?.url).toBe(
      'http://127.0.0.1:9/resources/firmware/ESP8266_GENERIC-FLASH_1M-20260406-v1.28.0.bin',
    );
  });

  it('ignores links to other boards and returns nothing for a page without firmware', () => {
    const html = '<a href="/resources/firmware/ESP32_GENERIC-20260406-v1.28.0.bin">x</a><a href="/download/">all</a>';
    expect(parseBoardPage(html, 'https://micropython.org/download/ESP32_GENERIC_C3/', 'ESP32_GENERIC_C3')).toEqual([]);
    expect(parseBoardPage('<html><body>Maintenance</body></html>', 'https://micropython.org/x/', 'ESP32_GENERIC')).toEqual([]);
  });

  it('keeps absolute links on another host as they are', () => {
    const html = `<a href="https://mirror.example/resources/firmware/ESP32_GENERIC_C3-20260406-v1.28.0.bin">x</a>`;
    const [link] = parseBoardPage(html, 'https://micropython.org/download/ESP32_GENERIC_C3/', 'ESP32_GENERIC_C3');
    expect(link?.url).toBe('https://mirror.example/resources/firmware/ESP32_GENERIC_C3-20260406-v1.28.0.bin');
  });
});

describe('build targets and snapshot', () => {
  it('covers the required boards with the right flash minimums', () => {
    expect(findTarget('ESP8266_GENERIC', null)?.minFlashBytes).toBe(2 * 1024 * 1024);
    expect(findTarget('ESP8266_GENERIC', 'FLASH_1M')?.minFlashBytes).toBe(1024 * 1024);
    expect(findTarget('ESP8266_GENERIC', 'FLASH_512K')?.minFlashBytes).toBe(512 * 1024);
    for (const board of ['ESP32_GENERIC', 'ESP32_GENERIC_C3', 'ESP32_GENERIC_S2', 'ESP32_GENERIC_S3']) {
      expect(findTarget(board, null)).toBeDefined();
    }
  });

  it('snapshot names only files Kiln can parse and offer', () => {
    expect(snapshot.snapshotDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const name of snapshot.files) {
      const parsed = parseFirmwareFileName(name);
      expect(parsed, name).not.toBeNull();
      expect(findTarget(parsed!.boardId, parsed!.variant), name).toBeDefined();
    }
    for (const target of BUILD_TARGETS) {
      expect(snapshot.files.some((f) => parseFirmwareFileName(f)?.boardId === target.boardId && parseFirmwareFileName(f)?.variant === target.variant)).toBe(true);
    }
  });
});
