import { describe, expect, it } from 'vitest';
import { buildImage } from '../../../../electron/esp/image';
import { checkFit, suggestEntry } from '../../../../electron/firmware/fit-check';
import { BUILD_TARGETS, writeOffsetFor } from '../../../../electron/firmware/targets';
import type { CatalogEntry, FitCheckResult, FitDevice, FitIssueCode } from '../../../../shared/types/firmware';
import { makeFirmware } from '../../../fixtures/firmware/fake-micropython';

const KB = 1024;
const MB = 1024 * 1024;

/** A small catalog: every build target at two versions. */
const catalog: CatalogEntry[] = BUILD_TARGETS.flatMap((t) =>
  [
    ['20260406', '1.28.0'],
    ['20251209', '1.27.0'],
  ].map(([date, version]) => {
    const fileName = `${t.boardId}${t.variant ? `-${t.variant}` : ''}-${date}-v${version}.bin`;
    return {
      id: fileName.replace(/\.bin$/, ''),
      boardId: t.boardId,
      variant: t.variant,
      title: t.title,
      chip: t.chip,
      minFlashBytes: t.minFlashBytes,
      writeOffset: writeOffsetFor(t.chip),
      version: version!,
      date: `${date!.slice(0, 4)}-${date!.slice(4, 6)}-${date!.slice(6)}`,
      channel: 'stable' as const,
      url: `http://127.0.0.1:1/resources/firmware/${fileName}`,
      fileName,
    };
  }),
);
const entry = (id: string) => catalog.find((e) => e.id === id)!;
const codes = (issues: FitCheckResult['errors']) => issues.map((i) => i.code);

function expectError(result: FitCheckResult, code: FitIssueCode, message: RegExp): void {
  expect(result.ok).toBe(false);
  expect(codes(result.errors)).toContain(code);
  expect(result.errors.find((e) => e.code === code)!.message).toMatch(message);
}

const esp8266 = (flash: number | null): FitDevice => ({ chip: 'esp8266', flashSizeBytes: flash });
const esp32 = (flash: number | null, revision?: number): FitDevice =>
  revision === undefined ? { chip: 'esp32', flashSizeBytes: flash } : { chip: 'esp32', flashSizeBytes: flash, revision };

describe('checkFit', () => {
  it('accepts a build that fits, with its header summary', () => {
    const result = checkFit({
      bytes: makeFirmware('esp32', 600 * KB),
      name: 'ESP32_GENERIC-20260406-v1.28.0.bin',
      device: esp32(4 * MB),
      entry: entry('ESP32_GENERIC-20260406-v1.28.0'),
      catalog,
    });
    expect(result).toMatchObject({ ok: true, errors: [], warnings: [] });
    expect(result.suggestion).toBeUndefined();
    expect(result.summary).toMatchObject({ chip: 'esp32', format: 'esp32-family', checksumValid: true, sha256Valid: true });
  });

  it('refuses an empty file', () => {
    const result = checkFit({ bytes: new Uint8Array(0), name: 'x.bin', device: esp32(4 * MB), catalog });
    expectError(result, 'image-empty', /empty/);
    expect(result.suggestion).toBe('ESP32_GENERIC-20260406-v1.28.0');
  });

  it('refuses a truncated file', () => {
    const full = makeFirmware('esp32', 600 * KB);
    const image = full.subarray(0, 3000); // inside the first segment
    expectError(checkFit({ bytes: image, name: 'cut.bin', device: esp32(4 * MB) }), 'image-truncated', /truncated: segment 1 says 4096 bytes/);
  });

  it('refuses something that is not an image at all', () => {
    const html = new TextEncoder().encode('<html><body>404</body></html>');
    expectError(checkFit({ bytes: html, name: 'page.bin', device: esp32(4 * MB) }), 'image-not-firmware', /HTML page/);
  });

  it('refuses an image with a broken checksum or digest', () => {
    const bytes = makeFirmware('esp32', 64 * KB);
    bytes[24 + 8 + 10]! ^= 0xff; // a byte of segment 1's data
    const result = checkFit({ bytes, name: 'bad.bin', device: esp32(4 * MB) });
    expect(codes(result.errors)).toEqual(['image-checksum', 'image-digest']);
  });

  it('refuses an ESP32 image for an ESP8266, suggesting the ESP8266 build for its flash', () => {
    const result = checkFit({
      bytes: makeFirmware('esp32', 600 * KB),
      name: 'ESP32_GENERIC-20251209-v1.27.0.bin',
      device: esp8266(1 * MB),
      catalog,
    });
    expectError(result, 'chip-mismatch', /is for the ESP32, but this board is an ESP8266/);
    expect(result.suggestion).toBe('ESP8266_GENERIC-FLASH_1M-20251209-v1.27.0'); // same version
  });

  it('refuses an ESP8266 image for an ESP32 (told apart by entry point and load addresses)', () => {
    const result = checkFit({ bytes: makeFirmware('esp8266', 600 * KB), name: 'fw.bin', device: esp32(4 * MB), catalog });
    expectError(result, 'chip-mismatch', /is for the ESP8266, but this board is an ESP32/);
    expect(result.suggestion).toBe('ESP32_GENERIC-20260406-v1.28.0');
  });

  it('refuses an ESP32-C3 image for an ESP32-S3', () => {
    const result = checkFit({ bytes: makeFirmware('esp32c3', 100 * KB), name: 'c3.bin', device: { chip: 'esp32s3', flashSizeBytes: 8 * MB }, catalog });
    expectError(result, 'chip-mismatch', /ESP32-C3.*ESP32-S3/);
    expect(result.suggestion).toBe('ESP32_GENERIC_S3-20260406-v1.28.0');
  });

  it('refuses an image for a chip Kiln does not flash', () => {
    const bytes = buildImage({ chip: 'esp32c3', entry: 0x403ce000, segments: [{ address: 0x403cc000, data: new Uint8Array(64) }], appendSha256: false });
    bytes[12] = 13; // ESP32-C6 chip id
    expectError(checkFit({ bytes, name: 'c6.bin', device: { chip: 'esp32c3', flashSizeBytes: 4 * MB } }), 'chip-unsupported', /ESP32-C6/);
  });

  it('refuses a 600 KB build on a 512 KB module and suggests FLASH_512K', () => {
    const result = checkFit({
      bytes: makeFirmware('esp8266', 600 * KB),
      name: 'ESP8266_GENERIC-20260406-v1.28.0.bin',
      device: esp8266(512 * KB),
      entry: entry('ESP8266_GENERIC-20260406-v1.28.0'),
      catalog,
    });
    expectError(result, 'too-big-for-flash', /600 KiB.*this board has 512 KiB/);
    expect(result.suggestion).toBe('ESP8266_GENERIC-FLASH_512K-20260406-v1.28.0');
  });

  it('refuses the 2 MB build on a 1 MB module even though the file fits, and suggests FLASH_1M', () => {
    const result = checkFit({
      bytes: makeFirmware('esp8266', 620 * KB),
      name: 'ESP8266_GENERIC-20260406-v1.28.0.bin',
      device: esp8266(1 * MB),
      entry: entry('ESP8266_GENERIC-20260406-v1.28.0'),
      catalog,
    });
    expect(codes(result.errors)).toEqual(['build-needs-more-flash']);
    expect(result.errors[0]!.message).toMatch(/built for boards with 2\.0 MiB of flash or more; this board has 1\.0 MiB/);
    expect(result.suggestion).toBe('ESP8266_GENERIC-FLASH_1M-20260406-v1.28.0');
  });

  it('recognises a MicroPython build added as a local file by its name', () => {
    const result = checkFit({
      bytes: makeFirmware('esp8266', 620 * KB),
      name: 'ESP8266_GENERIC-20251209-v1.27.0.bin',
      device: esp8266(1 * MB),
      catalog,
    });
    expect(codes(result.errors)).toEqual(['build-needs-more-flash']);
    expect(result.suggestion).toBe('ESP8266_GENERIC-FLASH_1M-20251209-v1.27.0');
  });

  it('counts the write offset in the size check', () => {
    const bytes = makeFirmware('esp32', 4 * MB - 0x800);
    const result = checkFit({ bytes, name: 'big.bin', device: esp32(4 * MB), offset: 0x1000 });
    expectError(result, 'too-big-for-flash', /written at 0x00001000/);
  });

  it('warns about an unusual write offset and refuses an unaligned one', () => {
    const bytes = makeFirmware('esp32', 100 * KB);
    const wrong = checkFit({ bytes, name: 'fw.bin', device: esp32(4 * MB), offset: 0 });
    expect(wrong.ok).toBe(true);
    expect(codes(wrong.warnings)).toEqual(['offset-unusual']);
    expect(wrong.warnings[0]!.message).toMatch(/goes at 0x00001000/);
    expectError(checkFit({ bytes, name: 'fw.bin', device: esp32(4 * MB), offset: 0x1001 }), 'offset-unaligned', /4 KiB/);
  });

  it('warns when the flash size is unknown, or when the header claims more than the board has', () => {
    const bytes = makeFirmware('esp32', 100 * KB); // header says 4MB
    expect(codes(checkFit({ bytes, name: 'fw.bin', device: esp32(null) }).warnings)).toEqual(['flash-size-unknown']);
    const small = checkFit({ bytes, name: 'fw.bin', device: esp32(2 * MB) });
    expect(small.ok).toBe(true);
    expect(codes(small.warnings)).toEqual(['header-flash-size']);
  });

  it('warns about an ESP8266 V2 image', () => {
    const inner = makeFirmware('esp8266', 0);
    const head = new Uint8Array([0xea, 4, inner[2]!, inner[3]!, 0x04, 0x00, 0x10, 0x40, 0, 0, 0, 0, 16, 0, 0, 0]);
    const bytes = new Uint8Array(head.length + 16 + inner.length);
    bytes.set(head);
    bytes.set(inner, head.length + 16);
    const result = checkFit({ bytes, name: 'v2.bin', device: esp8266(4 * MB) });
    expect(result.ok).toBe(true);
    expect(codes(result.warnings)).toEqual(['esp8266-v2-image']);
  });

  it('checks the chip revision range of ESP32-family images', () => {
    const bytes = buildImage({
      chip: 'esp32',
      entry: 0x40080400,
      segments: [{ address: 0x40080000, data: new Uint8Array(256) }],
      minChipRevFull: 300,
      maxChipRevFull: 399,
    });
    expectError(checkFit({ bytes, name: 'v3only.bin', device: esp32(4 * MB, 100) }), 'chip-revision', /v3\.0 or newer.*v1\.0/);
    expect(checkFit({ bytes, name: 'v3only.bin', device: esp32(4 * MB, 301) }).ok).toBe(true);
  });
});

describe('suggestEntry', () => {
  it('picks the most capable standard build that fits', () => {
    expect(suggestEntry(catalog, esp8266(4 * MB))?.id).toBe('ESP8266_GENERIC-20260406-v1.28.0');
    expect(suggestEntry(catalog, esp8266(1 * MB))?.id).toBe('ESP8266_GENERIC-FLASH_1M-20260406-v1.28.0');
    expect(suggestEntry(catalog, esp8266(512 * KB))?.id).toBe('ESP8266_GENERIC-FLASH_512K-20260406-v1.28.0');
    expect(suggestEntry(catalog, esp8266(256 * KB))).toBeUndefined();
    expect(suggestEntry(catalog, esp32(16 * MB))?.id).toBe('ESP32_GENERIC-20260406-v1.28.0'); // not the SPIRAM variant
    expect(suggestEntry(catalog, esp32(4 * MB), '1.27.0')?.id).toBe('ESP32_GENERIC-20251209-v1.27.0');
  });
});
