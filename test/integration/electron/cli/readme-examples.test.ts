/**
 * The README's command-line examples work as written: every `npx kiln` line in the esptool table
 * parses to the same command as the esptool line beside it, and the pty board's example runs as
 * printed (only the link path and the firmware file are the test's).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../../electron/cli/args';
import { runCli } from '../../../../electron/cli/run-cli';
import { makeFirmware } from '../../../fixtures/firmware/fake-micropython';

const ROOT = path.resolve(__dirname, '../../../..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const words = (line: string): string[] => line.trim().split(/\s+/);

describe('the README esptool table', () => {
  const rows = [...README.matchAll(/^\| `(esptool(?:\.py)? [^`]+)` \| `npx kiln ([^`]+)` \|$/gm)];

  it('has the MicroPython install lines', () => {
    expect(rows.length).toBeGreaterThanOrEqual(8);
    const esptool = rows.map((r) => r[1]).join('\n');
    for (const needle of ['--flash_size=detect 0', '-fm dio', 'write_flash -z 0x1000', 'erase_flash', 'read_flash 0 1048576 backup.img', 'verify_flash']) expect(esptool).toContain(needle);
  });

  it('each Kiln line is the esptool line with npx kiln in front, and parses', () => {
    for (const [, esptool, kiln] of rows) {
      expect(words(kiln!)).toEqual(words(esptool!).slice(1));
      expect(() => parseCommandLine(words(kiln!)), kiln).not.toThrow();
    }
  });
});

describe("the README's pty board example", () => {
  const section = README.slice(README.indexOf('Any serial tool can talk to one over a pty'));
  const boardLine = /^npm run virtual-board -- (.+)$/m.exec(section)?.[1];
  const kilnLines = [...section.slice(0, section.indexOf('With `--boot run`')).matchAll(/^npx kiln (.+)$/gm)].map((m) => m[1]!);
  const README_LINK = '/tmp/kiln-esp8266';
  let dir: string;
  let board: ChildProcessWithoutNullStreams;
  let link: string;
  let firmware: string;

  beforeAll(async () => {
    expect(boardLine).toBeDefined();
    expect(boardLine).not.toMatch(/--boot/);
    dir = await mkdtemp(path.join(tmpdir(), 'kiln-readme-pty-'));
    link = path.join(dir, 'kiln-esp8266');
    firmware = path.join(dir, 'firmware.bin');
    writeFileSync(firmware, makeFirmware('esp8266', 64 * 1024, 41));
    board = spawn(process.execPath, ['--import', 'tsx', 'electron/entries/virtual-board-pty.ts', ...words(boardLine!.replace(README_LINK, link))], { cwd: ROOT });
    let out = '';
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`the pty board did not start: ${out}`)), 30_000);
      board.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes(link)) {
          clearTimeout(timer);
          ready();
        }
      });
      board.stderr.on('data', (d: Buffer) => (out += d.toString()));
      board.on('exit', (code) => fail(new Error(`the pty board exited (${code}): ${out}`)));
    });
  }, 40_000);

  afterAll(async () => {
    if (board.exitCode === null) board.kill('SIGINT');
    await new Promise((done) => setTimeout(done, 300));
    if (board.exitCode === null) board.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('runs each npx kiln line as written, in order', async () => {
    expect(kilnLines.length).toBeGreaterThanOrEqual(3);
    for (const line of kilnLines) {
      let out = '';
      let err = '';
      const argv = words(line.replace(README_LINK, link).replace(/\bfirmware\.bin\b/, firmware));
      const code = await runCli(argv, { stdout: { write: (t) => (out += t), isTTY: false }, stderr: { write: (t) => (err += t) } });
      expect(code, `npx kiln ${line}\n${out}${err}`).toBe(0);
    }
  }, 120_000);
});
