/**
 * The REPL service against a virtual board running real MicroPython (WebAssembly): terminal,
 * resets, reconnect, and every file operation through the raw REPL.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobManager } from '../../../../electron/services/job-manager';
import { ReplSessions } from '../../../../electron/services/repl-sessions';
import { buildDemoFirmware } from '../../../../electron/virtual-board/demo-firmware';
import { createVirtualBoard, type VirtualBoard } from '../../../../electron/virtual-board/index';
import { createMicroPythonRuntime } from '../../../../electron/virtual-board/micropython/index';
import type { ChipFamily } from '../../../../shared/types/chips';
import { KilnError } from '../../../../shared/types/errors';
import type { JobSummary } from '../../../../shared/types/jobs';
import type { ReplSessionInfo } from '../../../../shared/types/repl';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Rig {
  board: VirtualBoard;
  repl: ReplSessions;
  jobs: JobManager;
  session: ReplSessionInfo;
  /** Everything the terminal received, decoded as latin1. */
  console(): string;
  waitForConsole(pattern: RegExp | string, ms?: number, from?: number): Promise<string>;
  states: ReplSessionInfo['state'][];
}

async function rig(chip: ChipFamily = 'esp32', options: { bootMode?: 'run' | 'download'; firmware?: boolean; modemLines?: boolean } = {}): Promise<Rig> {
  const board = await createVirtualBoard({
    chip,
    name: `Kiln virtual board with ${chip.toUpperCase()}`,
    bootMode: options.bootMode ?? 'run',
    linkModel: false,
    modemLines: options.modemLines ?? true,
    runtime: createMicroPythonRuntime,
  });
  if (options.firmware !== false) {
    const firmware = buildDemoFirmware(chip);
    board.writeFlashRaw(firmware.offset, firmware.data);
  }
  const chunks: Buffer[] = [];
  const states: ReplSessionInfo['state'][] = [];
  const jobs = new JobManager({ publish: () => undefined });
  const repl = new ReplSessions({
    jobs,
    openLink: async () => board.connect(`virtual:${chip}:test`),
    publish: (sessions) => {
      const state = sessions[0]?.state;
      if (state && states.at(-1) !== state) states.push(state);
    },
    output: ({ data }) => chunks.push(Buffer.from(data, 'base64')),
    reconnectIntervalMs: 100,
    reconnectGiveUpMs: 5000,
  });
  cleanups.push(async () => {
    await repl.closeAll();
    await board.close();
  });
  const session = await repl.open({ port: `virtual:${chip}:test` });
  const consoleText = () => Buffer.concat(chunks).toString('latin1');
  const waitForConsole = async (pattern: RegExp | string, ms = 15_000, from = 0): Promise<string> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const text = consoleText().slice(from);
      if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`the console never showed ${String(pattern)}; it shows:\n${text.slice(-600)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { board, repl, jobs, session, console: consoleText, waitForConsole, states };
}

/** A board that just powered on and shows its prompt. */
async function booted(chip: ChipFamily = 'esp32'): Promise<Rig> {
  const r = await rig(chip);
  await r.waitForConsole('>>> ');
  return r;
}

const type = (r: Rig, text: string) => r.repl.write(r.session.id, Buffer.from(text, 'latin1'));

function binary(length: number, seed = 7): Uint8Array {
  const data = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = state >>> 24;
  }
  return data;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kiln-repl-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function settled(r: Rig, job: JobSummary): Promise<JobSummary> {
  const done = await r.jobs.settled(job.id);
  if (done.status !== 'succeeded') throw new Error(`job ${done.title} ${done.status}: ${done.error?.message}`);
  return done;
}

describe('REPL sessions on a virtual board running MicroPython', () => {
  it('streams the boot banner, evaluates typed input and passes Ctrl-C through', async () => {
    const r = await booted();
    expect(r.console()).toContain('MicroPython v1.24.1 on 2024-11-29; Kiln virtual board with ESP32');
    expect(r.repl.list()[0]).toMatchObject({ state: 'connected', canHardReset: true, platform: 'esp32' });
    const mark = r.console().length;
    await type(r, '1 + 2\r');
    expect(await r.waitForConsole('3\r\n>>> ', 5000, mark)).toContain('1 + 2\r\n3\r\n>>> ');

    const loop = r.console().length;
    await type(r, 'import time\rwhile True: time.sleep_ms(10)\r\r');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await type(r, '\x03');
    expect(await r.waitForConsole('KeyboardInterrupt', 5000, loop)).toContain('KeyboardInterrupt');
  });

  it('lists, uploads text and a 100 KB binary (verified), downloads byte-identical, renames, makes folders, deletes', async () => {
    const r = await booted();
    const dir = await tempDir();
    const text = "print('hello from main')\n";
    const big = binary(100 * 1024);
    await writeFile(path.join(dir, 'main.py'), text);
    await writeFile(path.join(dir, 'blob.bin'), big);

    const started = Date.now();
    const upload = r.repl.upload(r.session.id, [path.join(dir, 'main.py'), path.join(dir, 'blob.bin')], '/');
    expect(upload.kind).toBe('file-upload');
    const progress: number[] = [];
    const poll = setInterval(() => {
      const current = r.jobs.get(upload.id).progress;
      if (current) progress.push(current.done);
    }, 50);
    await settled(r, upload);
    clearInterval(poll);
    const seconds = (Date.now() - started) / 1000;
    console.log(`upload of ${big.length + text.length} bytes: ${seconds.toFixed(1)} s`);
    expect(new Set(progress).size).toBeGreaterThan(3);

    const listing = await r.repl.listFiles(r.session.id, '/');
    expect(listing.entries).toEqual([
      { name: 'blob.bin', path: '/blob.bin', kind: 'file', size: big.length },
      { name: 'main.py', path: '/main.py', kind: 'file', size: text.length },
    ]);
    expect(listing.usage!.totalBytes).toBeGreaterThan(listing.usage!.freeBytes);
    expect(listing.usage!.freeBytes).toBeGreaterThan(0);

    const back = path.join(dir, 'back.bin');
    await settled(r, r.repl.download(r.session.id, '/blob.bin', back));
    const downloaded = await readFile(back);
    expect(createHash('sha256').update(downloaded).digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));

    await r.repl.mkdir(r.session.id, '/lib');
    await r.repl.rename(r.session.id, '/blob.bin', '/lib/data.bin');
    expect((await r.repl.listFiles(r.session.id, '/lib')).entries).toEqual([{ name: 'data.bin', path: '/lib/data.bin', kind: 'file', size: big.length }]);
    await r.repl.remove(r.session.id, '/lib');
    expect((await r.repl.listFiles(r.session.id, '/')).entries.map((entry) => entry.name)).toEqual(['main.py']);

    // Between operations the terminal is live again, at the prompt.
    const mark = r.console().length;
    await type(r, '6*7\r');
    await r.waitForConsole('42\r\n>>> ', 5000, mark);
    expect(r.states).toContain('busy');
    // File operations leave nothing behind at the prompt (no stray input, no traceback).
    expect(r.console()).not.toMatch(/Traceback|SyntaxError/);
    expect(r.repl.list()[0]!.state).toBe('connected');
  }, 120_000);

  it('uploads a folder tree and downloads it back with -r semantics', async () => {
    const r = await booted();
    const dir = await tempDir();
    await mkdir(path.join(dir, 'app', 'sub'), { recursive: true });
    await writeFile(path.join(dir, 'app', 'a.py'), 'A = 1\n');
    await writeFile(path.join(dir, 'app', 'sub', 'b.txt'), 'bee');
    await settled(r, r.repl.upload(r.session.id, [path.join(dir, 'app')], '/'));
    expect((await r.repl.listFiles(r.session.id, '/app')).entries.map((entry) => `${entry.kind}:${entry.name}`)).toEqual(['dir:sub', 'file:a.py']);
    const target = path.join(dir, 'copy');
    await settled(r, r.repl.download(r.session.id, '/app', target));
    expect(await readFile(path.join(target, 'sub', 'b.txt'), 'utf8')).toBe('bee');
    expect(await readFile(path.join(target, 'a.py'), 'utf8')).toBe('A = 1\n');
  }, 60_000);

  it('edits main.py, runs it, and shows its output after a hard reset', async () => {
    const r = await booted();
    expect(await r.repl.readText(r.session.id, '/main.py')).toEqual({ path: '/main.py', text: '', exists: false });
    const saved = await r.repl.writeText(r.session.id, '/main.py', "print('main.py says hi')\n");
    expect(saved).toEqual({ bytes: 25, verified: 'sha256' });
    expect(await r.repl.readText(r.session.id, '/main.py')).toEqual({ path: '/main.py', text: "print('main.py says hi')\n", exists: true });

    let mark = r.console().length;
    await r.repl.run(r.session.id, '/main.py');
    await r.waitForConsole('main.py says hi\r\n>>> ', 5000, mark);

    mark = r.console().length;
    await r.repl.reset(r.session.id, 'hard');
    const after = await r.waitForConsole(/main\.py says hi\r\n[\s\S]*>>> /, 15_000, mark);
    expect(after).toMatch(/rst:/);
    expect(r.states).toContain('rebooting');
    await expect.poll(() => r.repl.list()[0]!.state, { timeout: 5000 }).toBe('connected');
  }, 60_000);

  it('soft-resets with Ctrl-D, running main.py again', async () => {
    const r = await booted();
    await r.repl.writeText(r.session.id, '/main.py', "print('soft boot line')\n");
    const mark = r.console().length;
    await r.repl.reset(r.session.id, 'soft');
    const after = await r.waitForConsole(/soft boot line\r\n[\s\S]*>>> /, 10_000, mark);
    expect(after).toContain('soft reboot');
  }, 30_000);

  it('interrupts a program printing in a loop before a transfer, and the transfer is intact', async () => {
    const r = await booted();
    await type(r, 'import time\rwhile True:\r print("tick", time.ticks_ms())\r time.sleep_ms(5)\r\r\r');
    await r.waitForConsole(/tick \d+\r\ntick \d+\r\ntick/, 5000);
    const data = binary(20_000, 3);
    const dir = await tempDir();
    await writeFile(path.join(dir, 'data.bin'), data);
    await settled(r, r.repl.upload(r.session.id, [path.join(dir, 'data.bin')], '/'));
    const target = path.join(dir, 'back.bin');
    await settled(r, r.repl.download(r.session.id, '/data.bin', target));
    expect(new Uint8Array(await readFile(target))).toEqual(data);
  }, 60_000);

  it('says the board is in its bootloader instead of hanging', async () => {
    const r = await rig('esp32', { bootMode: 'download' });
    await r.waitForConsole('waiting for download', 5000);
    const started = Date.now();
    const error = (await r.repl.listFiles(r.session.id, '/').catch((caught: unknown) => caught)) as KilnError;
    expect(error).toBeInstanceOf(KilnError);
    expect(error.message).toMatch(/^The board is in its bootloader \(download mode\), not running MicroPython\./);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it('finds a silent bootloader by asking it (no boot line seen)', async () => {
    const r = await rig('esp8266', { bootMode: 'download' });
    // The ESP8266 printed its download banner at 74880 baud: garbage at 115200, replaced by a note.
    await r.waitForConsole('74880 baud', 5000);
    const error = (await r.repl.listFiles(r.session.id, '/').catch((caught: unknown) => caught)) as KilnError;
    expect(error.message).toMatch(/bootloader/);
  }, 30_000);

  it('says so when the board has no firmware it can boot', async () => {
    const r = await rig('esp32', { firmware: false });
    const error = (await r.repl.listFiles(r.session.id, '/').catch((caught: unknown) => caught)) as KilnError;
    expect(error).toBeInstanceOf(KilnError);
    expect(error.message).toMatch(/^The board has no firmware it can start/);
  }, 30_000);

  it('decodes the ESP8266 ROM line at 74880 baud around a hard reset', async () => {
    const r = await booted('esp8266');
    const mark = r.console().length;
    await r.repl.reset(r.session.id, 'hard');
    const after = await r.waitForConsole(/>>> $/, 15_000, mark);
    expect(after).toContain('ets Jan  8 2013,rst cause:2, boot mode:(3,6)');
    expect(after).toContain('MicroPython v1.24.1');
    expect(after).not.toContain('\x00');
  }, 30_000);

  it('refuses a hard reset on a port without modem lines, and says to soft-reset', async () => {
    const r = await rig('esp32', { modemLines: false });
    await r.waitForConsole('>>> ');
    expect(r.repl.list()[0]!.canHardReset).toBe(false);
    await expect(r.repl.reset(r.session.id, 'hard')).rejects.toMatchObject({ code: 'device', hint: expect.stringMatching(/Soft reset/) });
  }, 30_000);

  it('reconnects after the board is unplugged and plugged back in', async () => {
    const r = await booted();
    r.board.setFaults({ unplugAtByte: 2 });
    await type(r, '1+1\r');
    await expect.poll(() => r.repl.list()[0]?.state, { timeout: 5000 }).toBe('disconnected');
    await expect(type(r, 'x')).rejects.toMatchObject({ code: 'device' });
    r.board.setFaults(undefined);
    // The next reopen plugs the cable back in; the board powers up and boots again.
    await expect.poll(() => r.repl.list()[0]?.state, { timeout: 10_000 }).toBe('connected');
    await r.waitForConsole('reconnected', 5000);
    const mark = r.console().length;
    await r.waitForConsole('>>> ', 15_000, mark - 1);
    const again = r.console().length;
    await type(r, '2+3\r');
    await r.waitForConsole('5\r\n>>> ', 5000, again);
  }, 40_000);

  it('takes a port over from a flashing session and shows the board booting', async () => {
    const board = await createVirtualBoard({ chip: 'esp32', linkModel: false, runtime: createMicroPythonRuntime, name: 'Kiln virtual board with ESP32' });
    const firmware = buildDemoFirmware('esp32');
    board.writeFlashRaw(firmware.offset, firmware.data);
    let flashing = true;
    const chunks: Buffer[] = [];
    const repl = new ReplSessions({
      jobs: new JobManager({ publish: () => undefined }),
      openLink: async () => board.connect(),
      publish: () => undefined,
      output: ({ data }) => chunks.push(Buffer.from(data, 'base64')),
      portHolder: () => (flashing ? 'Kiln is connected to its bootloader for flashing' : null),
      releasePort: async () => {
        flashing = false;
      },
    });
    cleanups.push(async () => {
      await repl.closeAll();
      await board.close();
    });
    await expect(repl.open({ port: 'virtual:esp32' })).rejects.toMatchObject({ code: 'busy' });
    await repl.open({ port: 'virtual:esp32', takeOver: true });
    expect(flashing).toBe(false);
    await expect.poll(() => Buffer.concat(chunks).toString('latin1'), { timeout: 15_000 }).toMatch(/rst:[\s\S]*MicroPython v1\.24\.1[\s\S]*>>> $/);
  }, 30_000);

  it('keeps one owner per port', async () => {
    const r = await booted();
    expect(() => r.repl.assertPortFree(r.session.port)).toThrow(/The terminal has virtual:esp32:test open/);
    const jobs = new JobManager({ publish: () => undefined });
    const other = new ReplSessions({ jobs, openLink: async () => r.board.connect(), publish: () => undefined, output: () => undefined, portHolder: () => 'Kiln is connected to its bootloader' });
    await expect(other.open({ port: 'virtual:esp32:test' })).rejects.toMatchObject({ code: 'busy', message: 'virtual:esp32:test is in use: Kiln is connected to its bootloader.' });
  });
});
