import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BOOTLOADER_OFFSETS,
  FLASH_SIZE_CODES,
  IMAGE_CHIP_IDS,
  ImageError,
  buildImage,
  describeImage,
  flashSizeBytes,
  flashSizeNameForBytes,
  parseImage,
  patchImageHeader,
  type ImageErrorCode,
} from '../../../../electron/esp/image';
import type { ChipFamily } from '../../../../shared/types/chips';

function bytesOf(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i += 1) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const ENTRY: Record<ChipFamily, number> = {
  esp8266: 0x40100004,
  esp32: 0x40080400,
  esp32s2: 0x40024000,
  esp32c3: 0x403ce000,
  esp32s3: 0x403c9000,
};
const RAM_SEGMENT: Record<ChipFamily, number> = {
  esp8266: 0x40100000,
  esp32: 0x40080000,
  esp32s2: 0x40022000,
  esp32c3: 0x403cc000,
  esp32s3: 0x403c8000,
};
const DATA_SEGMENT: Record<ChipFamily, number> = {
  esp8266: 0x3ffe8000,
  esp32: 0x3ffb0000,
  esp32s2: 0x3ffe0000,
  esp32c3: 0x3fcd0000,
  esp32s3: 0x3fcd0000,
};

function sample(chip: ChipFamily, extra: Partial<Parameters<typeof buildImage>[0]> = {}): Uint8Array {
  return buildImage({
    chip,
    entry: ENTRY[chip],
    segments: [
      { address: RAM_SEGMENT[chip], data: bytesOf(1001, 1) },
      { address: DATA_SEGMENT[chip], data: bytesOf(300, 2) },
      { address: RAM_SEGMENT[chip] + 0x1000, data: bytesOf(64, 3) },
    ],
    ...extra,
  });
}

function expectImageError(fn: () => unknown, code: ImageErrorCode, message?: RegExp): ImageError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ImageError);
    const e = error as ImageError;
    expect(e.code).toBe(code);
    if (message) expect(e.message).toMatch(message);
    return e;
  }
  throw new Error(`expected ImageError ${code}`);
}

describe('tables', () => {
  it('has the documented chip ids, boot offsets and size codes', () => {
    expect(IMAGE_CHIP_IDS).toEqual({ esp32: 0, esp32s2: 2, esp32c3: 5, esp32s3: 9 });
    expect(BOOTLOADER_OFFSETS).toEqual({ esp8266: 0, esp32: 0x1000, esp32s2: 0x1000, esp32c3: 0, esp32s3: 0 });
    expect(FLASH_SIZE_CODES.esp8266['512KB']).toBe(0);
    expect(FLASH_SIZE_CODES.esp8266['1MB']).toBe(2);
    expect(FLASH_SIZE_CODES.esp8266['16MB']).toBe(9);
    expect(FLASH_SIZE_CODES.esp32['1MB']).toBe(0);
    expect(FLASH_SIZE_CODES.esp32s3['128MB']).toBe(7);
    expect(flashSizeBytes('2MB-c1')).toBe(2 * 1024 * 1024);
    expect(flashSizeBytes('512KB')).toBe(512 * 1024);
    expect(flashSizeNameForBytes('esp8266', 1024 * 1024)).toBe('1MB');
    expect(flashSizeNameForBytes('esp32', 512 * 1024)).toBeNull();
  });
});

describe('buildImage -> parseImage round trip', () => {
  for (const chip of ['esp8266', 'esp32', 'esp32s2', 'esp32c3', 'esp32s3'] as const) {
    it(`${chip}: recovers every field without being told the chip`, () => {
      const bytes = sample(chip, { flashMode: 'qio', flashFreq: '80m', flashSize: '2MB' });
      expect(bytes.length % 16).toBe(chip === 'esp8266' ? 0 : 32 % 16);
      const image = parseImage(bytes);
      expect(image.chip).toBe(chip);
      expect(image.format).toBe(chip === 'esp8266' ? 'esp8266' : 'esp32-family');
      expect(image.segmentCount).toBe(3);
      expect(image.flashMode).toBe('qio');
      expect(image.flashModeCode).toBe(0);
      expect(image.flashFreq).toBe('80m');
      expect(image.flashFreqCode).toBe(0xf);
      expect(image.flashSize).toBe('2MB');
      expect(image.flashSizeCode).toBe(chip === 'esp8266' ? 3 : 1);
      expect(image.entry).toBe(ENTRY[chip]);
      expect(image.segments.map((s) => s.loadAddress)).toEqual([
        RAM_SEGMENT[chip],
        DATA_SEGMENT[chip],
        RAM_SEGMENT[chip] + 0x1000,
      ]);
      // data padded to 4 bytes, as esptool stores segments
      expect(image.segments.map((s) => s.length)).toEqual([1004, 300, 64]);
      const first = image.segments[0]!;
      expect(bytes.subarray(first.dataOffset, first.dataOffset + 1001)).toEqual(bytesOf(1001, 1));
      expect(image.checksum.valid).toBe(true);
      expect((image.checksum.offset + 1) % 16).toBe(0);
      expect(image.trailingBytes).toBe(0);
      expect(image.imageLength).toBe(bytes.length);
      if (chip === 'esp8266') {
        expect(image.extendedHeader).toBeNull();
        expect(image.sha256).toBeNull();
      } else {
        expect(image.extendedHeader?.chipId).toBe(IMAGE_CHIP_IDS[chip]);
        expect(image.extendedHeader?.wpPin).toBe(0xee);
        expect(image.extendedHeader?.hashAppended).toBe(true);
        expect(image.sha256?.valid).toBe(true);
        const expected = createHash('sha256').update(bytes.subarray(0, bytes.length - 32)).digest();
        expect(Buffer.from(image.sha256!.stored)).toEqual(expected);
      }
      expect(describeImage(image)).toMatch(/QIO 80m 2MB/);
    });
  }

  it('checksum is the XOR of all segment data seeded 0xEF', () => {
    const data = new Uint8Array([0x01, 0x02, 0x04, 0x08]);
    const bytes = buildImage({ chip: 'esp8266', entry: 0x40100000, segments: [{ address: 0x40100000, data }] });
    const image = parseImage(bytes);
    expect(image.checksum.stored).toBe(0xef ^ 0x0f);
    expect(bytes[bytes.length - 1]).toBe(0xef ^ 0x0f);
    expect(bytes.length).toBe(32); // 8 header + 8 segment header + 4 data -> padded to 31, checksum at 31
  });

  it('reports a corrupted segment byte as a checksum mismatch, and a changed image as a digest mismatch', () => {
    const bytes = sample('esp32');
    const image = parseImage(bytes);
    const broken = bytes.slice();
    broken[image.segments[1]!.dataOffset + 5]! ^= 0x40;
    const reparsed = parseImage(broken);
    expect(reparsed.checksum.valid).toBe(false);
    expect(reparsed.sha256?.valid).toBe(false);
  });

  it('honours minimum/maximum chip revision and no digest', () => {
    const bytes = sample('esp32c3', { appendSha256: false, minChipRevFull: 3, maxChipRevFull: 199 });
    const image = parseImage(bytes);
    expect(image.sha256).toBeNull();
    expect(image.extendedHeader).toMatchObject({ minChipRevFull: 3, maxChipRevFull: 199, hashAppended: false });
  });

  it('keeps bytes after the image as trailing data (combined .bin)', () => {
    const image = sample('esp32');
    const combined = new Uint8Array(0x8000);
    combined.fill(0xff);
    combined.set(image);
    const parsed = parseImage(combined);
    expect(parsed.chip).toBe('esp32');
    expect(parsed.trailingBytes).toBe(0x8000 - image.length);
    expect(parsed.sha256?.valid).toBe(true);
  });

  it('refuses options that cannot be encoded', () => {
    expectImageError(
      () => buildImage({ chip: 'esp32', entry: 0, segments: [{ address: 0, data: new Uint8Array(4) }], flashSize: '512KB' }),
      'invalid-option',
      /512KB.*ESP32/,
    );
    expectImageError(() => buildImage({ chip: 'esp8266', entry: 0, segments: [] }), 'invalid-option');
    expectImageError(
      () => buildImage({ chip: 'esp8266', entry: 0, segments: [{ address: 0, data: new Uint8Array(4) }], appendSha256: true }),
      'invalid-option',
    );
  });
});

describe('ESP8266 V2 image (0xEA)', () => {
  function v2Image(): Uint8Array {
    const inner = buildImage({
      chip: 'esp8266',
      entry: 0x40100010,
      flashMode: 'dout',
      segments: [{ address: 0x40100000, data: bytesOf(200, 9) }],
    });
    const irom = bytesOf(64, 7);
    const head = new Uint8Array(16);
    head.set([0xea, 4, inner[2]!, inner[3]!, 0x10, 0x00, 0x10, 0x40]);
    head.set([0, 0, 0, 0, irom.length, 0, 0, 0], 8);
    const file = new Uint8Array(16 + irom.length + inner.length + 4);
    file.set(head);
    file.set(irom, 16);
    file.set(inner, 16 + irom.length);
    return file; // 4 bytes of CRC space stay zero: trailing
  }

  it('is recognised and reported as V2', () => {
    const image = parseImage(v2Image());
    expect(image.format).toBe('esp8266-v2');
    expect(image.chip).toBe('esp8266');
    expect(image.v2Irom).toEqual({ length: 64, dataOffset: 16 });
    expect(image.headerOffset).toBe(80);
    expect(image.flashMode).toBe('dout');
    expect(image.checksum.valid).toBe(true);
    expect(image.trailingBytes).toBe(4);
  });

  it('patching rewrites both headers', () => {
    const patched = patchImageHeader(v2Image(), 'esp8266', { flashMode: 'qio', flashSize: '4MB' });
    expect(patched[2]).toBe(0);
    expect(patched[80 + 2]).toBe(0);
    expect(patched[3]! >> 4).toBe(4);
    expect(patched[80 + 3]! >> 4).toBe(4);
  });

  it('is refused for an ESP32 chip', () => {
    expectImageError(() => parseImage(v2Image(), { chip: 'esp32' }), 'not-an-image', /ESP8266 V2/);
  });
});

describe('patchImageHeader', () => {
  it('rewrites only the fields given and recomputes the SHA-256 digest', () => {
    const bytes = sample('esp32', { flashMode: 'dio', flashFreq: '40m', flashSize: '4MB' });
    const patched = patchImageHeader(bytes, 'esp32', { flashSize: '16MB' });
    expect(patched).not.toBe(bytes);
    expect(patched[2]).toBe(bytes[2]);
    expect(patched[3]).toBe((0x4 << 4) | 0x0);
    const parsed = parseImage(patched);
    expect(parsed.flashSize).toBe('16MB');
    expect(parsed.flashFreq).toBe('40m');
    expect(parsed.flashMode).toBe('dio');
    expect(parsed.sha256?.valid).toBe(true);
    expect(Buffer.from(parsed.sha256!.stored)).not.toEqual(Buffer.from(parseImage(bytes).sha256!.stored));
    // only bytes 3 and the digest differ
    const differing = [...patched.keys()].filter((i) => patched[i] !== bytes[i]);
    expect(differing[0]).toBe(3);
    expect(differing.slice(1).every((i) => i >= parsed.sha256!.offset)).toBe(true);
    // the original is untouched
    expect(parseImage(bytes).flashSize).toBe('4MB');
  });

  it('patches mode and frequency on the ESP8266 (no digest to fix)', () => {
    const bytes = sample('esp8266');
    const patched = patchImageHeader(bytes, 'esp8266', { flashMode: 'dout', flashFreq: '80m' });
    const parsed = parseImage(patched);
    expect(parsed.flashMode).toBe('dout');
    expect(parsed.flashFreq).toBe('80m');
    expect(parsed.flashSize).toBe('1MB');
    expect(parsed.checksum.valid).toBe(true);
  });

  it('leaves a combined .bin unchanged after the image', () => {
    const image = sample('esp32s3');
    const combined = new Uint8Array(image.length + 1000).fill(0x5a);
    combined.set(image);
    const patched = patchImageHeader(combined, 'esp32s3', { flashMode: 'qio' });
    expect(patched.subarray(image.length)).toEqual(combined.subarray(image.length));
    expect(parseImage(patched).sha256?.valid).toBe(true);
  });

  it('returns an identical copy when nothing is given', () => {
    const bytes = sample('esp32s2');
    const same = patchImageHeader(bytes, 'esp32s2', {});
    expect(same).toEqual(bytes);
    expect(same).not.toBe(bytes);
  });

  it('refuses a size the chip cannot encode', () => {
    expectImageError(() => patchImageHeader(sample('esp32'), 'esp32', { flashSize: '2MB-c1' }), 'invalid-option');
  });
});

describe('parseImage errors', () => {
  it('empty file', () => {
    expectImageError(() => parseImage(new Uint8Array(0)), 'empty-file', /^empty file/);
  });

  it('HTML page instead of a binary', () => {
    const html = new TextEncoder().encode('<!DOCTYPE html><html><body>Not found</body></html>');
    expectImageError(
      () => parseImage(html),
      'not-an-image',
      /not a firmware image \(first byte 0x3C, expected 0xE9\) — is this an HTML page\?/,
    );
  });

  it('names other file kinds', () => {
    expectImageError(() => parseImage(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 1, 1])), 'not-an-image', /ELF/);
    expectImageError(() => parseImage(new Uint8Array([0x50, 0x4b, 3, 4])), 'not-an-image', /ZIP/);
    expectImageError(() => parseImage(new Uint8Array(16).fill(0xff)), 'not-an-image', /erased/);
  });

  it('truncated header', () => {
    expectImageError(() => parseImage(new Uint8Array([0xe9, 1, 2])), 'truncated-header', /truncated/);
  });

  it('segment count of zero', () => {
    const bytes = sample('esp8266');
    bytes[1] = 0;
    expectImageError(() => parseImage(bytes), 'bad-segment-count', /0 segments/);
  });

  it('truncated segment, with the numbers that tell what happened', () => {
    const bytes = sample('esp32');
    const image = parseImage(bytes);
    const third = image.segments[2]!;
    const cut = bytes.slice(0, third.dataOffset + 20);
    expectImageError(
      () => parseImage(cut),
      'truncated-segment',
      /truncated: segment 3 says 64 bytes but the file ends after 20/,
    );
    expectImageError(() => parseImage(cut, { chip: 'esp32' }), 'truncated-segment', /segment 3/);
  });

  it('truncated before the checksum and inside the digest', () => {
    const esp8266 = sample('esp8266');
    expectImageError(() => parseImage(esp8266.slice(0, esp8266.length - 1), { chip: 'esp8266' }), 'truncated-checksum');
    const esp32 = sample('esp32');
    expectImageError(() => parseImage(esp32.slice(0, esp32.length - 10), { chip: 'esp32' }), 'truncated-digest');
  });

  it('reports an unsupported Espressif chip by name', () => {
    const bytes = sample('esp32c3', { appendSha256: false });
    bytes[12] = 13; // ESP32-C6
    const image = parseImage(bytes, { chip: 'esp32c3' });
    expect(image.chip).toBeNull();
    expect(image.chipName).toBe('ESP32-C6');
  });
});
