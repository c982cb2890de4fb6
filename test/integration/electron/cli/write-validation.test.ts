/**
 * One validation path: `kiln write-flash` refuses what the app refuses, before anything is erased
 * or written, and refuses what needs no board before it even opens the port.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPort } from '../../../../electron/services/port-sources';
import { boardFor, closeVirtualPorts } from '../../../../electron/virtual-board/access/virtual-ports';
import type { VirtualBoard } from '../../../../electron/virtual-board';
import { makeFirmware, noise } from '../../../fixtures/firmware/fake-micropython';
import { runKiln } from './run-kiln';

const ESP32 = 'virtual:esp32:validation';
const ESP8266 = 'virtual:esp8266:validation';
const MiB = 1024 * 1024;

let dir: string;
let esp32: VirtualBoard;
let esp8266: VirtualBoard;
const opened: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kiln-cli-validate-'));
  esp32 = await boardFor(ESP32, { linkModel: false });
  esp8266 = await boardFor(ESP8266, { flashSize: 1 * MiB, linkModel: false });
  // Known contents, so "unchanged" cannot pass by the flash being blank anyway.
  esp32.writeFlashRaw(0, noise(esp32.flashSize, 11));
  esp8266.writeFlashRaw(0, noise(esp8266.flashSize, 12));
});
afterAll(async () => {
  await closeVirtualPorts();
  rmSync(dir, { recursive: true, force: true });
});

async function kiln(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return runKiln(argv, {
    openLink: (port, baud) => {
      opened.push(port);
      return openPort(port, baud);
    },
    sessionOptions: { connectAttempts: 3 },
  });
}

function file(name: string, data: Uint8Array): string {
  const full = path.join(dir, name);
  writeFileSync(full, data);
  return full;
}

const digest = (board: VirtualBoard): string => createHash('sha256').update(board.readFlash(0, board.flashSize)).digest('hex');

function damagedChecksum(): Uint8Array {
  const image = makeFirmware('esp32', 64 * 1024);
  const at = 24 + 8 + 100; // a byte inside the first segment's data
  image[at] = image[at]! ^ 0x5a;
  return image;
}

function badMagic(): Uint8Array {
  const image = makeFirmware('esp32', 64 * 1024);
  image[0] = 0x42;
  return image;
}

const html = new TextEncoder().encode('<!DOCTYPE html>\n<html><head><title>MicroPython - Downloads</title></head><body>Not found</body></html>\n');

describe('kiln write-flash refuses what the board check refuses, before erasing or writing', () => {
  const cases: { what: string; board: () => VirtualBoard; port: string; offset: string; data: () => Uint8Array; reason: RegExp }[] = [
    { what: 'bad magic at the bootloader offset', board: () => esp32, port: ESP32, offset: '0x1000', data: badMagic, reason: /not a firmware image|first byte/i },
    { what: 'a truncated image', board: () => esp32, port: ESP32, offset: '0x1000', data: () => makeFirmware('esp32', 64 * 1024).subarray(0, 2000), reason: /truncat|ends|cut/i },
    { what: 'a bad checksum', board: () => esp32, port: ESP32, offset: '0x1000', data: damagedChecksum, reason: /damaged/i },
    { what: 'an HTML page saved as .bin', board: () => esp32, port: ESP32, offset: '0x1000', data: () => html, reason: /HTML|web page|not a firmware/i },
    { what: 'an ESP8266 image on an ESP32', board: () => esp32, port: ESP32, offset: '0x1000', data: () => makeFirmware('esp8266', 64 * 1024), reason: /is for the ESP8266.*ESP32/ },
    { what: 'an ESP32-C3 image at 0x0 of an ESP32', board: () => esp32, port: ESP32, offset: '0x0', data: () => makeFirmware('esp32c3', 64 * 1024), reason: /for the ESP32-C3.*this board is an ESP32/ },
    { what: 'an ESP32-S3 image at 0x10000 of an ESP32', board: () => esp32, port: ESP32, offset: '0x10000', data: () => makeFirmware('esp32s3', 64 * 1024), reason: /for the ESP32-S3.*this board is an ESP32/ },
    { what: 'an ESP32 image on an ESP8266', board: () => esp8266, port: ESP8266, offset: '0x0', data: () => makeFirmware('esp32', 64 * 1024), reason: /is for the ESP32.*ESP8266/ },
    { what: 'an image too big for this flash', board: () => esp8266, port: ESP8266, offset: '0x0', data: () => makeFirmware('esp8266', 2 * MiB), reason: /does not fit in this board's 1\.0 MiB flash/ },
  ];

  for (const { what, board, port, offset, data, reason } of cases) {
    it(`refuses ${what} and leaves the board byte-identical, also with --erase-all`, async () => {
      const before = digest(board());
      const input = file(`${what.replace(/\W+/g, '-')}.bin`, data());
      for (const extra of [[], ['-e']]) {
        const result = await kiln('-p', port, 'write-flash', ...extra, offset, input);
        expect(result.code, result.out + result.err).not.toBe(0);
        expect(result.err).toMatch(reason);
        expect(result.err).toMatch(/Nothing was written/);
        expect(result.out).not.toMatch(/Erasing|Writing/);
        expect(digest(board())).toBe(before);
      }
    });
  }

  it('says --force overrides an image check, and --force writes it', async () => {
    const input = file('forced.bin', badMagic());
    const refused = await kiln('-p', ESP32, 'write-flash', '0x1000', input);
    expect(refused.err).toMatch(/--force/);
    const forced = await kiln('-p', ESP32, '--force', 'write-flash', '0x1000', input);
    expect(forced.code, forced.err).toBe(0);
    expect(forced.err).toMatch(/Writing anyway \(--force\)/);
    expect(Buffer.from(esp32.readFlash(0x1000, 64 * 1024)).equals(Buffer.from(badMagic()))).toBe(true);
  });

  it('--force never writes past the end of the flash', async () => {
    const before = digest(esp8266);
    const input = file('huge-forced.bin', makeFirmware('esp8266', 2 * MiB));
    const result = await kiln('-p', ESP8266, '--force', 'write-flash', '0x0', input);
    expect(result.code).not.toBe(0);
    expect(result.err).not.toMatch(/add --force/);
    expect(digest(esp8266)).toBe(before);
  });

  it('writes raw data (a filesystem, a data partition) at other offsets', async () => {
    const data = noise(8192, 99);
    data[0] = 0xe9; // starts like an image, but is not one
    const input = file('raw.bin', data);
    const result = await kiln('-p', ESP32, 'write-flash', '0x200000', input);
    expect(result.code, result.err).toBe(0);
    expect(Buffer.from(esp32.readFlash(0x200000, 8192)).equals(Buffer.from(data))).toBe(true);
  });
});

describe('kiln write-flash refuses board-free mistakes before opening the port', () => {
  const empty = (): string => file('empty.bin', new Uint8Array(0));
  const sparse = (name: string, size: number): string => {
    const full = file(name, new Uint8Array(0));
    truncateSync(full, size);
    return full;
  };
  const directory = (): string => {
    const full = path.join(dir, 'a-directory');
    mkdirSync(full, { recursive: true });
    return full;
  };
  const small = (): string => file('small.bin', makeFirmware('esp32', 8192));
  const cases: { what: string; args: () => string[]; reason: RegExp }[] = [
    { what: 'an empty file', args: () => ['0x1000', empty()], reason: /empty \(0 bytes\)/ },
    { what: 'an unaligned offset', args: () => ['0x1001', small()], reason: /0x00001001 is not a multiple of 4096/ },
    { what: 'an offset past 4 GiB, with its real value', args: () => ['0x100001000', small()], reason: /0x100001000 is past the end/ },
    { what: 'a file larger than any flash (17 MiB)', args: () => ['0x0', sparse('seventeen.bin', 17 * MiB)], reason: /17\.0 MiB, larger than the largest flash/ },
    { what: 'a 4 GiB file, in Kiln words', args: () => ['0x0', sparse('four-gib.bin', 4 * 1024 * MiB)], reason: /4\.0 GiB, larger than the largest flash/ },
    { what: '/dev/zero', args: () => ['0x0', '/dev/zero'], reason: /\/dev\/zero is a character device/ },
    { what: 'a directory', args: () => ['0x0', directory()], reason: /is a directory/ },
    { what: 'overlapping regions', args: () => ['0x1000', small(), '0x2000', small()], reason: /overlaps/ },
    { what: 'a region ending past any flash', args: () => ['0xfff000', small()], reason: /past 16\.0 MiB/ },
  ];

  for (const { what, args, reason } of cases) {
    it(`refuses ${what} without connecting`, async () => {
      const before = digest(esp32);
      opened.length = 0;
      const onBoard = await kiln('-p', ESP32, '-e', 'write-flash', ...args());
      expect(onBoard.code).not.toBe(0);
      expect(onBoard.err).toMatch(reason);
      expect(onBoard.err).not.toMatch(/File size .* is greater than|ERR_FS|\n\s+at /);
      expect(opened).toEqual([]);
      expect(digest(esp32)).toBe(before);
      // A port that does not exist still gets the validation error, not a port error.
      const missing = await kiln('-p', '/dev/ttyKILN-MISSING', 'write-flash', ...args());
      expect(missing.code).not.toBe(0);
      expect(missing.err).toMatch(reason);
      expect(missing.err).not.toMatch(/does not exist|Could not open/);
    });
  }
});
