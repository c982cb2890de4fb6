/**
 * The loop from issue 8: one ESP32 virtual board on a pty (`npm run virtual-board`, download
 * mode), and `kiln write-flash` run again and again against it with --before/--after no-reset, so
 * every run after the first finds the stub still running from the run before. Each run gets a
 * deadline; one that outlives it is a hang. Used by `npm run soak -- --pty-cli N` and by a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

export interface PtyCliLoopOptions {
  runs: number;
  /** Bytes written each run (the case: 256 KiB). */
  imageBytes: number;
  baud: number;
  /** A run that takes longer is a hang (it is killed). */
  runDeadlineMs: number;
  /** Keep the other core busy with a spinning child process while the loop runs. */
  busy: boolean;
  /** Flash timing of the board, passed to the virtual-board CLI. */
  flashTiming?: string;
  onRun?: (run: PtyCliRun) => void;
}

export interface PtyCliRun {
  index: number;
  outcome: 'ok' | 'failed' | 'hang';
  ms: number;
  /** The run's last lines of output (for failures and hangs). */
  tail: string;
}

export interface PtyCliLoopResult {
  runs: PtyCliRun[];
  hangs: number;
  failures: number;
}

function tsxChild(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function startBoard(ptyPath: string, flashTiming: string | undefined): Promise<ChildProcess> {
  const args = ['electron/entries/virtual-board-pty.ts', '--chip', 'esp32', '--boot', 'download', '--link', ptyPath];
  if (flashTiming) args.push('--flash-timing', flashTiming);
  const child = tsxChild(args);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The virtual board did not start within 30 s: ${out}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(ptyPath)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The virtual board exited (${code}): ${out}`));
    });
  });
  return child;
}

function runKiln(args: string[], deadlineMs: number): Promise<{ code: number | null; hung: boolean; output: string; ms: number }> {
  const started = Date.now();
  const child = tsxChild(['electron/entries/cli.ts', ...args]);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  return new Promise((resolve) => {
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, deadlineMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, hung, output, ms: Date.now() - started });
    });
  });
}

async function stop(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function runPtyCliLoop(options: PtyCliLoopOptions): Promise<PtyCliLoopResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kiln-soak-pty-'));
  const ptyPath = path.join(dir, 'esp32');
  const image = path.join(dir, 'image.bin');
  const data = new Uint8Array(options.imageBytes);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  await writeFile(image, data);
  let board: ChildProcess | null = null;
  let spinner: ChildProcess | null = null;
  const runs: PtyCliRun[] = [];
  try {
    board = await startBoard(ptyPath, options.flashTiming);
    if (options.busy) spinner = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    const args = ['-p', ptyPath, '-b', String(options.baud), '--before', 'no-reset', '--after', 'no-reset', 'write-flash', '0x100000', image];
    for (let index = 1; index <= options.runs; index++) {
      const result = await runKiln(args, options.runDeadlineMs);
      const outcome = result.hung ? 'hang' : result.code === 0 ? 'ok' : 'failed';
      const run: PtyCliRun = { index, outcome, ms: result.ms, tail: result.output.trim().split('\n').slice(-4).join('\n') };
      runs.push(run);
      options.onRun?.(run);
    }
  } finally {
    await stop(spinner);
    await stop(board);
    await rm(dir, { recursive: true, force: true });
  }
  return { runs, hangs: runs.filter((r) => r.outcome === 'hang').length, failures: runs.filter((r) => r.outcome === 'failed').length };
}
