/** The `kiln` CLI, run in process against virtual boards (virtual:esp8266, virtual:esp32). */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { virtualBoardCli } from './run-kiln';

// The Demo boards erase and program in real time; a hundredth of it keeps this file quick.
const { dir, kiln } = virtualBoardCli('cli', 0.01);

function file(name: string, data: Uint8Array): string {
  const full = path.join(dir, name);
  writeFileSync(full, data);
  return full;
}

function bytes(length: number, seed: number): Uint8Array {
  let x = seed >>> 0;
  return Uint8Array.from({ length }, (_, i) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return i % 3 === 0 ? x >>> 24 : i & 0x3f;
  });
}

const noStackTrace = (text: string): void => expect(text).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);

describe.each(['esp8266', 'esp32'] as const)('kiln on virtual:%s', (chip) => {
  const port = `virtual:${chip}`;

  it('chip-id, read-mac and flash-id describe the board', async () => {
    const id = await kiln('--port', port, 'chip-id');
    expect(id.code).toBe(0);
    expect(id.out).toMatch(chip === 'esp8266' ? /Chip is ESP8266EX/ : /Chip is ESP32-/);
    expect(id.out).toMatch(/Crystal is (26|40)MHz/);
    expect(id.out).toMatch(/MAC: ([0-9a-f]{2}:){5}[0-9a-f]{2}/);
    if (chip === 'esp8266') expect(id.out).toMatch(/Chip ID: 0x[0-9a-f]{8}/);
    const mac = await kiln('-p', port, 'read-mac');
    expect(mac.out).toContain(/MAC: (\S+)/.exec(id.out)![1]!);
    const flash = await kiln('-p', port, 'flash-id');
    expect(flash.code).toBe(0);
    expect(flash.out).toMatch(/Manufacturer: ef \(Winbond\)/);
    expect(flash.out).toMatch(/Device: 4016 \(W25Q32\)/);
    expect(flash.out).toMatch(/Detected flash size: 4\.0 MiB/);
  });

  it('write-flash, verify-flash and read-flash round-trip a file', async () => {
    const data = bytes(70_000, 1);
    const input = file(`${chip}-in.bin`, data);
    const written = await kiln('-p', port, '-b', '921600', 'write-flash', '0x20000', input);
    expect(written.code).toBe(0);
    expect(written.out).toMatch(/Writing: 100%/);
    expect(written.out).toMatch(/Hash of data verified/);
    expect(written.out).toMatch(/Hard resetting/);

    expect((await kiln('-p', port, 'verify-flash', '0x20000', input)).code).toBe(0);
    const other = file(`${chip}-other.bin`, bytes(70_000, 2));
    const mismatch = await kiln('-p', port, 'verify-flash', '0x20000', other);
    expect(mismatch.code).toBe(1);
    expect(mismatch.out).toMatch(/verify FAILED/);

    const output = path.join(dir, `${chip}-out.bin`);
    const read = await kiln('-p', port, 'read-flash', '0x20000', String(data.length), output);
    expect(read.code).toBe(0);
    expect(Buffer.from(readFileSync(output)).equals(Buffer.from(data))).toBe(true);
  });

  it('erase-region leaves 0xFF, erase-flash erases everything', async () => {
    expect((await kiln('-p', port, 'erase-region', '0x20000', '0x1000')).code).toBe(0);
    const output = path.join(dir, `${chip}-erased.bin`);
    expect((await kiln('-p', port, 'read-flash', '0x20000', '0x2000', output)).code).toBe(0);
    const back = readFileSync(output);
    expect(back.subarray(0, 0x1000).every((v) => v === 0xff)).toBe(true);
    expect(back.subarray(0x1000).every((v) => v === 0xff)).toBe(false);
    expect((await kiln('-p', port, 'erase-flash')).code).toBe(0);
    expect((await kiln('-p', port, 'read-flash', '0x20000', '0x2000', output)).code).toBe(0);
    expect(readFileSync(output).every((v) => v === 0xff)).toBe(true);
  });

  it('keeps a stub running with --after no-reset and finds it with --before no-reset', async () => {
    expect((await kiln('-p', port, '--after', 'no-reset', 'read-mac')).code).toBe(0);
    const again = await kiln('-p', port, '--before', 'no-reset', 'read-mac');
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/already running; not uploading it again/);
  });

  it('works through the ROM loader with --no-stub, and says what needs the stub', async () => {
    const data = bytes(5000, 3);
    const input = file(`${chip}-rom.bin`, data);
    const written = await kiln('-p', port, '--no-stub', 'write-flash', '0x30000', input);
    expect(written.code).toBe(0);
    expect(written.out).toMatch(/ROM loader only/);
    if (chip === 'esp32') {
      // The ESP32 ROM reads flash itself (READ_FLASH_SLOW), checked by its MD5.
      const back = path.join(dir, `${chip}-rom-back.bin`);
      const readBack = await kiln('-p', port, '--no-stub', 'read-flash', '0x30000', '5000', back);
      expect(readBack.code).toBe(0);
      expect(Buffer.from(readFileSync(back)).equals(Buffer.from(data))).toBe(true);
      return;
    }
    const output = path.join(dir, `${chip}-never.bin`);
    const read = await kiln('-p', port, '--no-stub', 'read-flash', '0', '4096', output);
    expect(read.code).toBe(1);
    expect(read.err).toMatch(/needs Kiln's flasher stub/);
    expect(existsSync(output)).toBe(false);
    expect(readdirSync(dir).some((f) => f.includes('never') && f.endsWith('.part'))).toBe(false);
    noStackTrace(read.err);
  });
});

describe('kiln errors', () => {
  it('exits 2 with usage for a bad command line, never a stack trace', async () => {
    for (const argv of [['frobnicate'], ['-p', 'virtual:esp32', 'write-flash', '0x1000'], ['--before', 'maybe', 'chip-id'], ['-p', 'virtual:esp32', 'write-flash', '0x1000', path.join(tmpdir(), 'no-such-kiln-file.bin')]]) {
      const result = await kiln(...argv);
      expect(result.code).toBe(2);
      expect(result.err.length).toBeGreaterThan(0);
      noStackTrace(result.err);
    }
    expect((await kiln()).code).toBe(2);
    const help = await kiln('--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/write-flash OFFSET FILE/);
  });

  it('exits 1 with a readable message when the operation fails', async () => {
    const input = file('unaligned.bin', bytes(100, 4));
    const unaligned = await kiln('-p', 'virtual:esp32', 'write-flash', '0x1001', input);
    expect(unaligned.code).toBe(1);
    expect(unaligned.err).toMatch(/A fatal error occurred: .*not a multiple of 4096/);
    const missing = await kiln('-p', '/dev/ttyKILN-MISSING', 'chip-id');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/does not exist/);
    noStackTrace(unaligned.err + missing.err);
  });
});
