/** image-info, merge-bin and version: no board, no port, the same bounded reads and checks. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseImage } from '../../../../electron/esp/image';
import { makeFirmware, noise } from '../../../fixtures/firmware/fake-micropython';
import { runKiln } from './run-kiln';

const dir = mkdtempSync(path.join(tmpdir(), 'kiln-cli-free-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function kiln(...argv: string[]): Promise<{ code: number; out: string; err: string; opened: string[] }> {
  const opened: string[] = [];
  const { code, out, err } = await runKiln(argv, {
    openLink: async (port) => {
      opened.push(port);
      throw new Error('no port should be opened');
    },
    listPorts: async () => {
      opened.push('(listed)');
      return [];
    },
  });
  return { code, out, err, opened };
}

function file(name: string, data: Uint8Array): string {
  const full = path.join(dir, name);
  writeFileSync(full, data);
  return full;
}

describe('kiln image_info', () => {
  it('describes a MicroPython ESP8266 image', async () => {
    const data = makeFirmware('esp8266', 600_000, 3);
    const result = await kiln('image_info', file('ESP8266_GENERIC-20250415-v1.25.0.bin', data));
    expect(result.code, result.err).toBe(0);
    expect(result.opened).toEqual([]);
    const image = parseImage(data);
    expect(result.out).toContain('File size: 600000 bytes');
    expect(result.out).toContain('Image for: ESP8266');
    expect(result.out).toContain(`Entry point: 0x${image.entry.toString(16).padStart(8, '0')}`);
    expect(result.out).toContain(`Segments: ${image.segmentCount}`);
    expect(result.out).toMatch(/Segment 1: 4096 bytes, loaded at 0x[0-9a-f]{8}/);
    expect(result.out).toMatch(/Flash settings: mode \w+, size 1MB, frequency \d+m/);
    expect(result.out).toMatch(/Checksum: 0x[0-9a-f]{2} \(valid\)/);
    expect(result.out).not.toMatch(/SHA-256/);
    expect(result.out).toMatch(/The image is valid\./);
  });

  it('describes a MicroPython ESP32 image, digest included', async () => {
    const data = makeFirmware('esp32', 1_500_000, 4);
    const result = await kiln('image-info', file('ESP32_GENERIC-20250415-v1.25.0.bin', data));
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain('Image for: ESP32');
    expect(result.out).toMatch(/Format: ESP32-family image/);
    expect(result.out).toMatch(/Flash settings: mode \w+, size 4MB/);
    expect(result.out).toMatch(/SHA-256 digest: [0-9a-f]{64} \(valid\)/);
    expect(result.out).toMatch(/After the image: \d+ more bytes/);
  });

  it('says a damaged image is damaged, and exits 1', async () => {
    const data = makeFirmware('esp32', 64 * 1024, 5);
    data[200] = data[200]! ^ 0xff;
    const result = await kiln('image_info', file('damaged.bin', data));
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/Checksum: 0x[0-9a-f]{2} \(INVALID: the contents give 0x[0-9a-f]{2}\)/);
    expect(result.out).toMatch(/SHA-256 digest: [0-9a-f]{64} \(INVALID\)/);
    expect(result.out).toMatch(/The image is damaged: .*Download it again\./);
  });

  it('refuses what is not an image at all, without a stack trace', async () => {
    const html = await kiln('image_info', file('page.bin', new TextEncoder().encode('<!DOCTYPE html><html></html>')));
    expect(html.code).toBe(1);
    expect(html.err).toMatch(/is not a usable firmware image/);
    const truncated = await kiln('image_info', file('cut.bin', makeFirmware('esp32', 64 * 1024, 6).subarray(0, 1000)));
    expect(truncated.code).toBe(1);
    expect(truncated.err).toMatch(/is not a usable firmware image/);
    const zero = await kiln('image_info', '/dev/zero');
    expect(zero.code).toBe(1);
    expect(zero.err).toMatch(/character device/);
    expect(html.err + truncated.err + zero.err).not.toMatch(/\n\s+at /);
  });

  it('--json gives the same facts as an object', async () => {
    const result = await kiln('--json', 'image_info', file('json.bin', makeFirmware('esp8266', 8192, 7)));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ command: 'image-info', ok: true, chip: 'esp8266', size: 8192, checksum: { valid: true } });
  });
});

describe('kiln merge_bin', () => {
  it('puts each file at its offset, gaps filled with 0xFF, from --target-offset', async () => {
    const boot = makeFirmware('esp32', 0x5000, 8);
    const table = noise(0xc00, 9);
    const app = noise(0x3001, 10);
    const out = path.join(dir, 'merged.bin');
    const result = await kiln('merge_bin', '-o', out, '0x1000', file('boot.bin', boot), '0x8000', file('part.bin', table), '0x10000', file('app.bin', app));
    expect(result.code, result.err).toBe(0);
    const merged = readFileSync(out);
    expect(merged.length).toBe(0x10000 + app.length);
    expect(merged.subarray(0, 0x1000).every((b) => b === 0xff)).toBe(true);
    expect(merged.subarray(0x1000, 0x6000).equals(Buffer.from(boot))).toBe(true);
    expect(merged.subarray(0x6000, 0x8000).every((b) => b === 0xff)).toBe(true);
    expect(merged.subarray(0x8000, 0x8c00).equals(Buffer.from(table))).toBe(true);
    expect(merged.subarray(0x10000).equals(Buffer.from(app))).toBe(true);
    expect(result.out).toMatch(/Wrote 0x00013001 bytes to file .*merged\.bin, ready to flash to offset 0x00000000/);

    const fromBoot = await kiln('merge-bin', '--target-offset', '0x1000', '--fill-flash-size', '1MB', '-o', out, '0x1000', path.join(dir, 'boot.bin'), '0x10000', path.join(dir, 'app.bin'));
    expect(fromBoot.code, fromBoot.err).toBe(0);
    const filled = readFileSync(out);
    expect(filled.length).toBe(1024 * 1024 - 0x1000);
    expect(filled.subarray(0, boot.length).equals(Buffer.from(boot))).toBe(true);
    expect(filled.subarray(0xf000, 0xf000 + app.length).equals(Buffer.from(app))).toBe(true);
    expect(filled.subarray(0xf000 + app.length).every((b) => b === 0xff)).toBe(true);
  });

  it('patches the bootloader header with --chip and --flash_mode, and refuses overlaps', async () => {
    const boot = makeFirmware('esp32', 0x2000, 11);
    const out = path.join(dir, 'patched.bin');
    const result = await kiln('--chip', 'esp32', 'merge_bin', '--flash_mode', 'dio', '--flash_size', '2MB', '-o', out, '0x1000', file('boot2.bin', boot));
    expect(result.code, result.err).toBe(0);
    const image = parseImage(readFileSync(out).subarray(0x1000));
    expect(image.flashMode).toBe('dio');
    expect(image.flashSize).toBe('2MB');
    const overlap = await kiln('merge_bin', '-o', out, '0x1000', path.join(dir, 'boot2.bin'), '0x2000', path.join(dir, 'boot2.bin'));
    expect(overlap.code).toBe(1);
    expect(overlap.err).toMatch(/overlaps/);
    expect(overlap.opened).toEqual([]);
  });
});

describe('kiln --json with a wrong command line', () => {
  it('still answers in JSON, exit 2', async () => {
    const result = await kiln('--json', '--frobnicate', 'version');
    expect(result.code).toBe(2);
    expect(JSON.parse(result.out)).toMatchObject({ ok: false, error: { code: 'usage', message: expect.stringMatching(/--frobnicate/) } });
  });
});

describe('kiln version', () => {
  it('prints the version, as a verb and as --version', async () => {
    for (const argv of [['version'], ['--version']]) {
      const result = await kiln(...argv);
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/^Kiln \S+\n$/);
      expect(result.opened).toEqual([]);
    }
  });
});
