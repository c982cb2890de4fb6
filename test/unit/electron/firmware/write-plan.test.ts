/** The board-free half of the write plan: bounded reads and request checks, no board involved. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkAgainstBoard, checkWriteRequest, readInputFile, type PlannedImage } from '../../../../electron/firmware/write-plan';
import { formatHex32 } from '../../../../shared/format';
import { makeFirmware, noise } from '../../../fixtures/firmware/fake-micropython';

const dir = mkdtempSync(path.join(tmpdir(), 'kiln-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data = (offset: number, bytes: Uint8Array, name = 'x.bin'): PlannedImage => ({ offset, data: bytes, name, kind: 'data' });

describe('readInputFile', () => {
  it('reads a regular file exactly', async () => {
    const file = path.join(dir, 'ok.bin');
    const bytes = noise(5000, 3);
    writeFileSync(file, bytes);
    expect(Buffer.from(await readInputFile(file)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('refuses a named pipe without waiting for a writer', async () => {
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await expect(readInputFile(fifo)).rejects.toThrow(/is a named pipe/);
  });
});

describe('checkWriteRequest', () => {
  it('sorts what it accepts and keeps regions that touch but do not overlap', () => {
    const sorted = checkWriteRequest([data(0x2000, new Uint8Array(16), 'b'), data(0x1000, new Uint8Array(0x1000), 'a')]);
    expect(sorted.map((i) => i.name)).toEqual(['a', 'b']);
  });

  it('counts the word padding when checking overlap', () => {
    expect(() => checkWriteRequest([data(0x1000, new Uint8Array(0x1001), 'a'), data(0x2000, new Uint8Array(4), 'b')])).toThrow(/overlaps/);
  });
});

describe('checkAgainstBoard', () => {
  it('allows raw data away from the bootloader offset, refuses a foreign image there', async () => {
    const device = { chip: 'esp32' as const, flashSizeBytes: 4 * 1024 * 1024 };
    expect((await checkAgainstBoard([data(0x200000, noise(4096, 1))], device)).errors).toEqual([]);
    const foreign = await checkAgainstBoard([data(0x10000, makeFirmware('esp8266', 8192))], device);
    expect(foreign.errors.map((e) => e.code)).toEqual(['data-chip-mismatch']);
    expect(foreign.errors[0]?.overridable).toBe(true);
  });

  it('refuses raw data at the bootloader offset, with the reason', async () => {
    const verdict = await checkAgainstBoard([data(0x0, noise(4096, 1))], { chip: 'esp8266', flashSizeBytes: 1024 * 1024 });
    expect(verdict.errors.map((e) => e.code)).toContain('image-not-firmware');
    expect(verdict.errors.map((e) => e.message).join(' ')).toMatch(/0x00000000 is where the ESP8266's ROM looks for its bootloader/);
  });
});

describe('formatHex32', () => {
  it('keeps offsets past 32 bits instead of wrapping them to zero', () => {
    expect(formatHex32(0x1_0000_0000)).toBe('0x100000000');
    expect(formatHex32(0xffffffff)).toBe('0xffffffff');
  });
});
