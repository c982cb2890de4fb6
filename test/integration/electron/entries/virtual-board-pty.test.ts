import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlipDecoder, slipEncode } from '../../../../electron/esp/slip';
import { commandPacket, parseResponse, SYNC_DATA, u32 } from '../../../unit/electron/virtual-board/helpers/host';

/** The CLI exposes a board on a pty; a real serialport client talks to it like to hardware. */

const ROOT = resolve(__dirname, '../../../..');
let dir: string;
let cli: ChildProcessWithoutNullStreams;
let ptyPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-pty-test-'));
  ptyPath = join(dir, 'esp32');
  cli = spawn(process.execPath, ['--import', 'tsx', 'electron/entries/virtual-board-pty.ts', '--chip', 'esp32', '--boot', 'download', '--flash-size', '2MB', '--link', ptyPath], {
    cwd: ROOT,
  });
  let out = '';
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`CLI did not start: ${out}`)), 20000);
    cli.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(ptyPath)) {
        clearTimeout(timer);
        resolveReady();
      }
    });
    cli.stderr.on('data', (d: Buffer) => (out += d.toString()));
    cli.on('exit', (code) => reject(new Error(`CLI exited (${code}): ${out}`)));
  });
}, 30000);

afterAll(async () => {
  if (cli.exitCode === null) cli.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

async function openPort(): Promise<SerialPort> {
  const port = new SerialPort({ path: ptyPath, baudRate: 115200, autoOpen: false });
  await new Promise<void>((ok, fail) => port.open((e) => (e ? fail(e) : ok())));
  return port;
}

async function exchange(port: SerialPort, op: number, data: Uint8Array, wantPackets: number): Promise<Uint8Array[]> {
  const decoder = new SlipDecoder();
  const packets: Uint8Array[] = [];
  const done = new Promise<void>((ok) => {
    const onData = (d: Buffer) => {
      packets.push(...decoder.push(new Uint8Array(d)).packets);
      if (packets.length >= wantPackets) {
        port.off('data', onData);
        ok();
      }
    };
    port.on('data', onData);
  });
  port.write(Buffer.from(slipEncode(commandPacket(op, data))));
  await Promise.race([done, new Promise((_, fail) => setTimeout(() => fail(new Error(`only ${packets.length} packets`)), 3000))]);
  return packets;
}

describe('virtual board on a pty', () => {
  it('answers SYNC and READ_REG through the pty like a board in download mode', async () => {
    const port = await openPort();
    const sync = await exchange(port, 0x08, SYNC_DATA, 8);
    expect(parseResponse(sync[0] as Uint8Array)?.value).toBe(0x20120707);
    const reg = await exchange(port, 0x0a, u32(0x40001000), 1);
    expect(parseResponse(reg[0] as Uint8Array)?.value).toBe(0x00f01d83);
    await new Promise<void>((ok) => port.close(() => ok()));
  });

  it('keeps the board between client sessions', async () => {
    const port = await openPort();
    const reg = await exchange(port, 0x0a, u32(0x40001000), 1);
    expect(parseResponse(reg[0] as Uint8Array)?.value).toBe(0x00f01d83);
    await new Promise<void>((ok) => port.close(() => ok()));
  });

  it('stops on SIGINT and removes its pty', async () => {
    const exited = new Promise<number | null>((ok) => cli.on('exit', (code) => ok(code)));
    cli.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(ptyPath)).toBe(false);
  });
});
