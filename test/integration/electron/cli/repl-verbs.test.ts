/**
 * The MicroPython verbs of `kiln` (mpremote's shape) against a virtual board on a pty: the same
 * path a real board behind a USB-serial adapter takes (a device path, serialport, no modem lines).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../electron/cli/run-cli';
import { buildDemoFirmware } from '../../../../electron/virtual-board/demo-firmware';
import { runKiln } from './run-kiln';

const ROOT = resolve(__dirname, '../../../..');
const FLASH_SIZE = 4 * 1024 * 1024;
let dir: string;
let board: ChildProcessWithoutNullStreams;
let ptyPath: string;

async function serveBoard(flashFile: string, boot: 'run' | 'download', link: string): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'electron/entries/virtual-board-pty.ts', '--chip', 'esp32', '--boot', boot, '--flash-file', flashFile, '--link', link],
    { cwd: ROOT },
  );
  let out = '';
  await new Promise<void>((ready, reject) => {
    const timer = setTimeout(() => reject(new Error(`the pty board did not start: ${out}`)), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(link)) {
        clearTimeout(timer);
        ready();
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`the pty board exited (${code}): ${out}`)));
  });
  return child;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-repl-cli-'));
  // A flash file holding a MicroPython image: the board boots into it at power-on.
  const flash = new Uint8Array(FLASH_SIZE).fill(0xff);
  const firmware = buildDemoFirmware('esp32');
  flash.set(firmware.data, firmware.offset);
  await writeFile(join(dir, 'flash.bin'), flash);
  ptyPath = join(dir, 'esp32');
  board = await serveBoard(join(dir, 'flash.bin'), 'run', ptyPath);
}, 30_000);

afterAll(async () => {
  if (board.exitCode === null) board.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

async function kiln(argv: string[], stdin?: PassThrough): Promise<{ code: number; out: string; err: string }> {
  return runKiln(['--port', ptyPath, ...argv], {
    ...(stdin ? { stdin } : {}),
  });
}

const noStackTrace = (text: string): void => expect(text).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);

describe('kiln MicroPython verbs on a pty', () => {
  it('exec prints the output; a Python error exits 1 with the traceback', async () => {
    expect(await kiln(['exec', 'print(1+2)'])).toMatchObject({ code: 0, out: '3\r\n' });
    const failed = await kiln(['exec', 'print(undefined_name)']);
    expect(failed.code).toBe(1);
    expect(failed.err).toContain("NameError: name 'undefined_name' isn't defined");
  });

  it('fs cp uploads (files, -r folders) and downloads byte-identical; ls, cat, rm, mkdir', async () => {
    const data = new Uint8Array(30_000).map((_, i) => (i * 7 + (i >> 9)) & 0xff);
    await writeFile(join(dir, 'data.bin'), data);
    await writeFile(join(dir, 'main.py'), "print('from main')\n");
    await mkdir(join(dir, 'pkg', 'sub'), { recursive: true });
    await writeFile(join(dir, 'pkg', 'sub', 'm.py'), 'X = 1\n');

    const up = await kiln(['fs', 'cp', join(dir, 'data.bin'), join(dir, 'main.py'), ':']);
    expect(up.code).toBe(0);
    expect(up.out).toContain('/data.bin: 29.3 KiB, verified by SHA-256');
    expect((await kiln(['fs', 'cp', join(dir, 'main.py'), ':boot.py'])).code).toBe(0);
    const refused = await kiln(['fs', 'cp', join(dir, 'pkg'), ':']);
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.err).toMatch(/is a folder; add -r/);
    expect((await kiln(['fs', 'cp', '-r', join(dir, 'pkg'), ':'])).code).toBe(0);
    expect((await kiln(['fs', 'mkdir', ':empty'])).code).toBe(0);
    expect((await kiln(['fs', 'cp', '-r', join(dir, 'pkg', 'sub'), ':empty/renamed'])).code).toBe(0);
    expect((await kiln(['fs', 'ls', ':empty/renamed'])).out).toMatch(/^6 m\.py\n/);
    expect((await kiln(['fs', 'rm', '-r', ':empty/renamed'])).code).toBe(0);

    const ls = await kiln(['fs', 'ls']);
    expect(ls.code).toBe(0);
    expect(ls.out).toMatch(/^ {4}0 empty\/\n {4}0 pkg\/\n {3}19 boot\.py\n30000 data\.bin\n {3}19 main\.py\n.+ free of .+\n$/);
    expect((await kiln(['fs', 'ls', ':pkg/sub'])).out).toMatch(/^6 m\.py\n/);
    expect(await kiln(['fs', 'cat', ':boot.py'])).toMatchObject({ code: 0, out: "print('from main')\n" });

    const back = join(dir, 'back.bin');
    expect((await kiln(['fs', 'cp', ':data.bin', back])).code).toBe(0);
    expect(new Uint8Array(await readFile(back))).toEqual(data);
    const tree = join(dir, 'tree');
    await mkdir(tree);
    expect((await kiln(['fs', 'cp', '-r', ':pkg', tree])).code).toBe(0);
    expect(await readFile(join(tree, 'pkg', 'sub', 'm.py'), 'utf8')).toBe('X = 1\n');

    const notEmpty = await kiln(['fs', 'rm', ':pkg']);
    expect(notEmpty.code).toBe(1);
    expect(notEmpty.err).toMatch(/Add -r/);
    expect((await kiln(['fs', 'rm', '-r', ':pkg', ':empty', ':data.bin', ':boot.py'])).code).toBe(0);
    expect((await kiln(['fs', 'ls', '/'])).out).toMatch(/^19 main\.py\n/);
    const missing = await kiln(['fs', 'cat', ':nope.txt']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no such file or folder');
    noStackTrace(missing.err);
  }, 120_000);

  it('run streams a local file; reset restarts MicroPython, which runs main.py', async () => {
    await writeFile(join(dir, 'count.py'), 'for i in range(3):\n    print("line", i)\n');
    expect(await kiln(['run', join(dir, 'count.py')])).toMatchObject({ code: 0, out: 'line 0\r\nline 1\r\nline 2\r\n' });
    expect((await kiln(['exec', "open('main.py','w').write('print(\"main ran\")\\n')"])).code).toBe(0);
    expect(await kiln(['reset'])).toMatchObject({ code: 0, out: 'Soft reset: MicroPython restarted.\n' });
    const hard = await kiln(['reset', '--hard']);
    expect(hard.code).toBe(1);
    expect(hard.err).toMatch(/cannot drive the RTS line[\s\S]*kiln reset/);

    // repl with piped keys: the board echoes, evaluates and the verb ends with the input.
    const keys = new PassThrough();
    const session = kiln(['repl'], keys);
    keys.write('\r');
    keys.end('6*7\r');
    const repl = await session;
    expect(repl.code).toBe(0);
    expect(repl.out).toContain('6*7\r\n42\r\n>>> ');
  }, 60_000);

  it('explains itself with --help, even after an incomplete command', async () => {
    const help = await kiln(['fs', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('fs cp [-r] SRC... DST');
  });

  it('usage errors exit 2 and say what was expected', async () => {
    const result = await kiln(['fs', 'cp', 'only-one']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('kiln fs needs a source and a destination');
  });
});

describe('kiln on a board in its bootloader', () => {
  let loaderBoard: ChildProcessWithoutNullStreams;
  let loaderPath: string;
  beforeAll(async () => {
    loaderPath = join(dir, 'loader');
    loaderBoard = await serveBoard(join(dir, 'loader-flash.bin'), 'download', loaderPath);
  }, 30_000);
  afterAll(() => {
    if (loaderBoard.exitCode === null) loaderBoard.kill('SIGKILL');
  });

  it('says the board is in its bootloader instead of hanging', async () => {
    let err = '';
    const code = await runCli(['--port', loaderPath, 'fs', 'ls'], { stdout: { write: () => undefined }, stderr: { write: (text) => (err += text) } });
    expect(code).toBe(1);
    expect(err).toMatch(/^Error: The board is in its bootloader \(download mode\), not running MicroPython\./);
  }, 30_000);
});
