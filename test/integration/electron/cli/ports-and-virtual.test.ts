/**
 * Choosing the port without --port, and virtual boards that keep their flash between CLI runs
 * (separate processes, as a user runs them).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { PortDescription } from '../../../../electron/serial/ports';
import { boardFor, closeVirtualPorts } from '../../../../electron/virtual-board/access/virtual-ports';
import { noise } from '../../../fixtures/firmware/fake-micropython';
import { runKiln } from './run-kiln';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'kiln-cli-ports-'));
afterAll(async () => {
  await closeVirtualPorts();
  rmSync(dir, { recursive: true, force: true });
});

const usb = (devicePath: string, adapter: string | null, serialNumber: string | null = null): PortDescription => ({
  path: devicePath,
  kind: 'usb',
  adapter,
  vendorId: 0x10c4,
  productId: 0xea60,
  manufacturer: 'Silicon Labs',
  serialNumber,
  usbJtagSerial: false,
});
const legacy: PortDescription = { path: '/dev/ttyS0', kind: 'other', adapter: null, vendorId: null, productId: null, manufacturer: null, serialNumber: null, usbJtagSerial: false };

async function kiln(argv: string[], ports: PortDescription[], opened: string[] = []): Promise<{ code: number; out: string; err: string }> {
  return runKiln(argv, {
    listPorts: async () => ports,
    // Whatever USB path is chosen is served by a virtual board.
    openLink: async (port) => {
      opened.push(port);
      return (await boardFor('virtual:esp32:behind-usb')).connect(port);
    },
    sessionOptions: { connectAttempts: 3 },
  });
}

describe('without --port', () => {
  it('uses the only USB serial port, and says which', async () => {
    const opened: string[] = [];
    const result = await kiln(['read_mac'], [legacy, usb('/dev/ttyUSB7', 'Silicon Labs CP210x')], opened);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toMatch(/No --port given; using \/dev\/ttyUSB7 \(Silicon Labs CP210x\), the only USB serial port\./);
    expect(opened).toEqual(['/dev/ttyUSB7']);
  });

  it('lists the candidates with their adapters and asks for one', async () => {
    const opened: string[] = [];
    const result = await kiln(['read_mac'], [legacy, usb('/dev/ttyUSB0', 'Silicon Labs CP210x', '0001'), usb('/dev/ttyACM0', 'Espressif USB-JTAG-serial')], opened);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/Several serial ports found; choose one with --port:/);
    expect(result.err).toMatch(/\/dev\/ttyUSB0 {2}Silicon Labs CP210x, serial 0001/);
    expect(result.err).toMatch(/\/dev\/ttyACM0 {2}Espressif USB-JTAG-serial/);
    expect(result.err).not.toMatch(/ttyS0/);
    expect(opened).toEqual([]);
  });

  it('says how to go on when there is none', async () => {
    const result = await kiln(['read_mac'], [legacy]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/No board found.*--port virtual:esp32/);
  });
});

/** The CLI as a user runs it: a new process each time. */
async function kilnProcess(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'electron/entries/cli.ts', ...argv], {
      cwd: ROOT,
      env: { ...process.env, KILN_DATA_DIR: path.join(dir, 'data') },
      timeout: 60_000,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
  }
}

describe('--baud auto', () => {
  const ch340: PortDescription = { ...usb('/dev/ttyUSB3', 'WCH CH340'), vendorId: 0x1a86, productId: 0x7523 };

  it.each([
    ['a CP2102, whose datasheet stops at 921600', usb('/dev/ttyUSB2', 'Silicon Labs CP210x'), 921600],
    ['a CH340, which runs to 2 Mbaud', ch340, 2_000_000],
  ])('on %s writes at the fastest rate the adapter allows that passes the link check', async (_what, port, expected) => {
    const input = path.join(dir, `auto-${expected}.bin`);
    writeFileSync(input, noise(40_000, 7));
    const result = await kiln(['--port', port.path, '--baud', 'auto', 'write_flash', '0x100000', input], [port]);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain(`Stub running at ${expected} baud.`);
    expect(result.out).toMatch(/Automatic speed/);
    expect(result.out).toMatch(/Hash of data verified/);
  });

  it('refuses a rate that is neither a number nor auto, and says what is', async () => {
    const result = await kiln(['--baud', 'fast', 'read_mac'], [usb('/dev/ttyUSB2', 'Silicon Labs CP210x')]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/--baud "fast" is not a usable baud rate \(a number such as 460800, or auto\)/);
  });
});

describe('virtual boards keep their flash between runs', () => {
  it('virtual:esp32: write in one run, read back in the next', async () => {
    const data = noise(20_000, 31);
    const input = path.join(dir, 'keep.bin');
    writeFileSync(input, data);
    const written = await kilnProcess('--port', 'virtual:esp32:keep', '-b', '921600', 'write_flash', '0x100000', input);
    expect(written.code, written.err).toBe(0);
    expect(written.out).toMatch(/flash kept in .*virtual-boards[/\\]esp32-keep\.bin/);
    const output = path.join(dir, 'back.bin');
    const read = await kilnProcess('--port', 'virtual:esp32:keep', '-b', '921600', 'read_flash', '0x100000', '20000', output);
    expect(read.code, read.err).toBe(0);
    expect(readFileSync(output).equals(Buffer.from(data))).toBe(true);
  }, 120_000);

  it('virtual:esp8266:512KB has 512 KiB of flash; --flash-file chooses the file', async () => {
    const flashFile = path.join(dir, 'my-board.bin');
    const result = await kilnProcess('--port', 'virtual:esp8266:512KB', '--flash-file', flashFile, 'flash_id');
    expect(result.code, result.err).toBe(0);
    expect(result.out).toMatch(/Detected flash size: 512 KiB/);
    // Nothing changed yet, so nothing was saved; a write is.
    expect(existsSync(flashFile)).toBe(false);
    const data = noise(4096, 32);
    const input = path.join(dir, 'small.bin');
    writeFileSync(input, data);
    const written = await kilnProcess('--port', 'virtual:esp8266:512KB', '--flash-file', flashFile, 'write_flash', '0x10000', input);
    expect(written.code, written.err).toBe(0);
    expect(statSync(flashFile).size).toBe(512 * 1024);
    expect(readFileSync(flashFile).subarray(0x10000, 0x11000).equals(Buffer.from(data))).toBe(true);
  }, 120_000);
});
