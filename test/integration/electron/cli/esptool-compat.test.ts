/**
 * The lines MicroPython's install instructions give (old esptool.py v2 and current esptool v4/v5
 * spellings), verbatim apart from the port, run against virtual boards: exit code and flash
 * contents. Then the esptool-shaped output lines, with their numbers checked against the transfer.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boardFor, closeVirtualPorts, setVirtualBoardDefaults } from '../../../../electron/virtual-board/access/virtual-ports';
import { makeFirmware, noise } from '../../../fixtures/firmware/fake-micropython';
import { runKiln } from './run-kiln';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kiln-esptool-'));
  // Real flash timing would make a chip erase take 10 s; a tenth keeps the busy paths exercised.
  setVirtualBoardDefaults({ flashTiming: 0.1 });
});
afterAll(async () => {
  setVirtualBoardDefaults({});
  await closeVirtualPorts();
  rmSync(dir, { recursive: true, force: true });
});

async function kiln(line: string): Promise<{ code: number; out: string; err: string; seconds: number }> {
  const started = Date.now();
  const { code, out, err } = await runKiln(line.split(' ').filter(Boolean), {
    sessionOptions: { connectAttempts: 3 },
    dataDir: dir,
  });
  return { code, out, err, seconds: (Date.now() - started) / 1000 };
}

/** Files named as MicroPython's download pages name them, in the test folder (the lines use bare names). */
function firmwareFile(name: string, data: Uint8Array): string {
  const full = path.join(dir, name);
  writeFileSync(full, data);
  return full;
}

const flashOf = async (port: string, offset: number, length: number): Promise<Buffer> => Buffer.from((await boardFor(port)).readFlash(offset, length));
const allErased = (bytes: Uint8Array): boolean => bytes.every((b) => b === 0xff);

describe("MicroPython's ESP8266 instructions", () => {
  const port = 'virtual:esp8266:mpy';
  const firmware = makeFirmware('esp8266', 96 * 1024, 7);
  let file: string;
  beforeAll(() => {
    file = firmwareFile('esp8266-20170108-v1.8.7.bin', firmware);
  });

  it('esptool.py --port X erase_flash', async () => {
    (await boardFor(port)).writeFlashRaw(0x100000, noise(4096, 1));
    const result = await kiln(`--port ${port} erase_flash`);
    expect(result.code, result.err).toBe(0);
    expect(allErased(await flashOf(port, 0, 4 * 1024 * 1024))).toBe(true);
  });

  it('esptool.py --port X --baud 460800 write_flash --flash_size=detect 0 firmware.bin', async () => {
    const result = await kiln(`--port ${port} --baud 460800 write_flash --flash_size=detect 0 ${file}`);
    expect(result.code, result.err).toBe(0);
    const written = await flashOf(port, 0, firmware.length);
    // Byte 3's high nibble is the flash size: the detected 4 MB (ESP8266 code 4); the rest is the file.
    expect(written[3]! >> 4).toBe(4);
    expect(written[2]).toBe(firmware[2]);
    expect(written.subarray(4).equals(Buffer.from(firmware.subarray(4)))).toBe(true);
    expect(Buffer.from(written.subarray(0, 2)).equals(Buffer.from(firmware.subarray(0, 2)))).toBe(true);
  });

  it('esptool.py --port X --baud 460800 write_flash --flash_size=detect -fm dio 0 firmware.bin', async () => {
    const result = await kiln(`--port ${port} --baud 460800 write_flash --flash_size=detect -fm dio 0 ${file}`);
    expect(result.code, result.err).toBe(0);
    const written = await flashOf(port, 0, firmware.length);
    expect(written[2]).toBe(0x02); // DIO
    expect(written[3]! >> 4).toBe(4);
    expect(written.subarray(4).equals(Buffer.from(firmware.subarray(4)))).toBe(true);
  });

  it('verify_flash --flash_size=detect 0 firmware.bin compares what write_flash wrote', async () => {
    const result = await kiln(`--port ${port} verify_flash --flash_size=detect -fm dio 0 ${file}`);
    expect(result.code, result.out + result.err).toBe(0);
    expect(result.out).toMatch(/-- verify OK \(digest matched\)/);
  });

  it('esptool (v5) --port X --baud 460800 write-flash 0 ESP8266_GENERIC-….bin', async () => {
    const current = firmwareFile('ESP8266_GENERIC-20250415-v1.25.0.bin', makeFirmware('esp8266', 64 * 1024, 9));
    const result = await kiln(`--port ${port} --baud 460800 write-flash 0 ${current}`);
    expect(result.code, result.err).toBe(0);
    expect((await flashOf(port, 0, 64 * 1024)).equals(readFileSync(current))).toBe(true);
  });

  it('esptool.py --port X read_flash 0 1048576 backup.img', async () => {
    const backup = path.join(dir, 'backup.img');
    const result = await kiln(`--port ${port} read_flash 0 1048576 ${backup}`);
    expect(result.code, result.err).toBe(0);
    const saved = readFileSync(backup);
    expect(saved.length).toBe(1048576);
    expect(saved.equals(await flashOf(port, 0, 1048576))).toBe(true);
  });

  it('--chip esp32 on this ESP8266 is refused before anything is done', async () => {
    const before = await flashOf(port, 0, 1048576);
    const result = await kiln(`--chip esp32 --port ${port} erase_flash`);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/This board is an ESP8266, not an ESP32 as --chip esp32 says/);
    expect((await flashOf(port, 0, 1048576)).equals(before)).toBe(true);
  });
});

describe("MicroPython's ESP32 instructions", () => {
  const port = 'virtual:esp32:mpy';
  const firmware = makeFirmware('esp32', 96 * 1024, 21);
  let file: string;
  beforeAll(() => {
    file = firmwareFile('esp32-20180511-v1.9.4.bin', firmware);
  });

  it('esptool.py --chip esp32 --port X erase_flash', async () => {
    (await boardFor(port)).writeFlashRaw(0x200000, noise(4096, 2));
    const result = await kiln(`--chip esp32 --port ${port} erase_flash`);
    expect(result.code, result.err).toBe(0);
    expect(allErased(await flashOf(port, 0, 4 * 1024 * 1024))).toBe(true);
  });

  it('esptool.py --chip esp32 --port X write_flash -z 0x1000 esp32.bin', async () => {
    const result = await kiln(`--chip esp32 --port ${port} write_flash -z 0x1000 ${file}`);
    expect(result.code, result.err).toBe(0);
    expect((await flashOf(port, 0x1000, firmware.length)).equals(Buffer.from(firmware))).toBe(true);
    expect(allErased(await flashOf(port, 0, 0x1000))).toBe(true);
  });

  it('esptool.py --chip esp32 --port X --baud 460800 write_flash -z 0x1000 ESP32_GENERIC-….bin', async () => {
    const current = firmwareFile('ESP32_GENERIC-20250415-v1.25.0.bin', makeFirmware('esp32', 80 * 1024, 22));
    const result = await kiln(`--chip esp32 --port ${port} --baud 460800 write_flash -z 0x1000 ${current}`);
    expect(result.code, result.err).toBe(0);
    expect((await flashOf(port, 0x1000, 80 * 1024)).equals(readFileSync(current))).toBe(true);
  });

  it('esptool.py --port X verify_flash 0x1000 esp32.bin, and a mismatch', async () => {
    const current = path.join(dir, 'ESP32_GENERIC-20250415-v1.25.0.bin');
    const ok = await kiln(`--port ${port} verify_flash 0x1000 ${current}`);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/Verification successful \(digest matched\)\./);
    const other = await kiln(`--port ${port} verify_flash 0x1000 ${file}`);
    expect(other.code).toBe(1);
    expect(other.out).toMatch(/-- verify FAILED/);
  });
});

describe('esptool-shaped output lines, numbers from the transfer', () => {
  const port = 'virtual:esp32:lines';
  const baud = 460800;
  // Half noise, half a repeating pattern: compresses to a size no guess would hit.
  const data = new Uint8Array(48 * 1024 + 2); // not a multiple of 4: written padded to a word
  data.set(noise(24 * 1024, 5));
  for (let i = 24 * 1024; i < data.length; i++) data[i] = i % 97;
  const padded = new Uint8Array(48 * 1024 + 4).fill(0xff);
  padded.set(data);
  let file: string;
  beforeAll(() => {
    file = firmwareFile('data.bin', data);
  });

  const within = (value: number, low: number, high: number): void => {
    expect(value).toBeGreaterThanOrEqual(low);
    expect(value).toBeLessThanOrEqual(high);
  };

  it('Compressed N bytes to M... / Wrote N bytes (M compressed) at 0x… in S seconds (effective K kbit/s)... / Hash of data verified.', async () => {
    const result = await kiln(`--port ${port} --baud ${baud} write_flash 0x10000 ${file} 0x20000 ${file}`);
    expect(result.code, result.err).toBe(0);
    const compressedSize = deflateSync(padded, { level: 9 }).length;
    const compressed = [...result.out.matchAll(/^Compressed (\d+) bytes to (\d+)\.\.\.$/gm)];
    expect(compressed.map((m) => [Number(m[1]), Number(m[2])])).toEqual([
      [padded.length, compressedSize],
      [padded.length, compressedSize],
    ]);
    const wrote = [...result.out.matchAll(/^Wrote (\d+) bytes \((\d+) compressed\) at (0x[0-9a-f]{8}) in (\d+\.\d) seconds \(effective (\d+\.\d) kbit\/s\)\.\.\.$/gm)];
    expect(wrote.map((m) => [Number(m[1]), Number(m[2]), m[3]])).toEqual([
      [padded.length, compressedSize, '0x00010000'],
      [padded.length, compressedSize, '0x00020000'],
    ]);
    let totalSeconds = 0;
    for (const m of wrote) {
      const seconds = Number(m[4]);
      totalSeconds += seconds;
      // The compressed bytes cross the wire at 10 bits per byte: no faster than the baud allows.
      expect(seconds + 0.05).toBeGreaterThanOrEqual((compressedSize * 10) / baud);
      // kbit/s is the uncompressed size over the printed time (rounded to 0.1 s).
      const kbit = Number(m[5]);
      within(kbit, (padded.length * 8) / 1000 / (seconds + 0.05), (padded.length * 8) / 1000 / Math.max(seconds - 0.05, 0.001));
    }
    expect(totalSeconds).toBeLessThanOrEqual(result.seconds + 0.1);
    expect(result.out.match(/^Hash of data verified\.$/gm)).toHaveLength(2);
    expect(result.out).toMatch(/^Flash will be erased from 0x00010000 to 0x0001cfff\.\.\.$/m);
  });

  it('Wrote N bytes at 0x… in S seconds (K kbit/s)... when sent uncompressed (and --no-progress)', async () => {
    // --no-diff: the previous test left the same image there, and this one is about the full write's line.
    const result = await kiln(`--port ${port} --baud ${baud} write_flash -u --no-diff --no-progress 0x10000 ${file}`);
    expect(result.code, result.err).toBe(0);
    expect(result.out).not.toMatch(/^Compressed/m);
    expect(result.out).not.toMatch(/^(Writing|Verifying|Uploading stub): \d+%/m);
    const m = /^Wrote (\d+) bytes at 0x00010000 in (\d+\.\d) seconds \((\d+\.\d) kbit\/s\)\.\.\.$/m.exec(result.out);
    expect(m, result.out).not.toBeNull();
    expect(Number(m![1])).toBe(padded.length);
    expect(Number(m![2]) + 0.05).toBeGreaterThanOrEqual((padded.length * 10) / baud);
  });

  it('writing what the board already holds sends nothing and says so (diff re-flash)', async () => {
    const again = await kiln(`--port ${port} --baud ${baud} --json write_flash 0x10000 ${file}`);
    expect(again.code, again.err).toBe(0);
    const result = again.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { command?: string; regions?: { unchangedBytes: number; size: number; verified: boolean }[] })
      .find((line) => line.command === 'write-flash');
    expect(result?.regions?.[0]).toMatchObject({ unchangedBytes: padded.length, size: padded.length, verified: true });
    const plain = await kiln(`--port ${port} --baud ${baud} write_flash 0x10000 ${file}`);
    expect(plain.out).toMatch(/^The board already holds the \d+ bytes at 0x00010000: nothing was written/m);
    expect(plain.out).not.toMatch(/^Wrote /m);
    expect(plain.out).toMatch(/^Hash of data verified\.$/m);
  });

  it('Read N bytes at 0x… in S seconds (K kbit/s)...', async () => {
    const out = path.join(dir, 'read.bin');
    const result = await kiln(`--port ${port} --baud ${baud} read_flash 0x10000 49156 ${out}`);
    expect(result.code, result.err).toBe(0);
    const m = /^Read 49156 bytes at 0x00010000 in (\d+\.\d) seconds \((\d+\.\d) kbit\/s\)\.\.\.$/m.exec(result.out);
    expect(m, result.out).not.toBeNull();
    const seconds = Number(m![1]);
    expect(seconds + 0.05).toBeGreaterThanOrEqual((49156 * 10) / baud);
    expect(seconds).toBeLessThanOrEqual(result.seconds);
    within(Number(m![2]), (49156 * 8) / 1000 / (seconds + 0.05), (49156 * 8) / 1000 / Math.max(seconds - 0.05, 0.001));
    expect(readFileSync(out).equals(Buffer.from(padded))).toBe(true);
  });

  it('Chip erase completed successfully in S s', async () => {
    const result = await kiln(`--port ${port} erase_flash`);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toMatch(/^Erasing flash \(this may take a while\)\.\.\.$/m);
    const m = /^Chip erase completed successfully in (\d+\.\d) s$/m.exec(result.out);
    expect(m, result.out).not.toBeNull();
    within(Number(m![1]), 0, result.seconds);
    const region = await kiln(`--port ${port} erase_region 0x20000 0x2000`);
    expect(region.code, region.err).toBe(0);
    const r = /^Erase completed successfully in (\d+\.\d) seconds \(8192 bytes at 0x00020000\)\.$/m.exec(region.out);
    expect(r, region.out).not.toBeNull();
    within(Number(r![1]), 0, region.seconds);
  });

  it('--json prints one object per result, with the same numbers', async () => {
    const result = await kiln(`--port ${port} --json write_flash -e 0x10000 ${file}`);
    expect(result.code, result.err).toBe(0);
    const lines = result.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0]!) as { command: string; ok: boolean; eraseSeconds: number; regions: { offset: number; size: number; compressedBytes: number; seconds: number; kbitPerSecond: number; verified: boolean }[] };
    expect(parsed).toMatchObject({ command: 'write-flash', ok: true, chip: 'esp32' });
    expect(parsed.eraseSeconds).toBeGreaterThanOrEqual(0);
    expect(parsed.regions).toHaveLength(1);
    const [region] = parsed.regions;
    expect(region).toMatchObject({ offset: 0x10000, size: padded.length, compressedBytes: deflateSync(padded, { level: 9 }).length, verified: true });
    expect(region!.kbitPerSecond).toBeCloseTo((padded.length * 8) / 1000 / region!.seconds, 6);
    const failed = await kiln(`--port ${port} --json write_flash 0x1001 ${file}`);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.out.trim())).toMatchObject({ command: 'write-flash', ok: false, error: { message: expect.stringMatching(/not a multiple of 4096/) } });
  });
});
