/**
 * The MicroPython verbs of `kiln`, in mpremote's shape:
 *
 *   kiln [-p PORT] repl | exec CODE | run FILE | reset [--hard]
 *   kiln [-p PORT] fs ls [DIR] | cat FILE | cp [-r] SRC... DST | rm [-r] PATH... | mkdir PATH...
 *
 * Board paths are written ":path" in cp (":main.py", ":/lib/"); elsewhere a leading ":" is
 * optional. They use the same raw-REPL client as the app, on any serial port, pty or virtual board.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatBytes } from '../../shared/format';
import { KilnError } from '../../shared/types/errors';
import { hardResetSequence } from '../esp/reset';
import { boardPathKind, downloadPath, uploadPaths, uploadVerified } from '../repl/board-files';
import { RawRepl } from '../repl/raw-repl';
import { LinkReader } from '../repl/link-reader';
import { ModemLinesUnsupportedError, type Link } from '../serial/link';
import { listPorts, type PortDescription } from '../serial/ports';
import { explainNoRawRepl } from '../services/bootloader-probe';
import { openPort } from '../services/port-sources';
import { toReplError } from '../services/repl-sessions';
import type { TextOutput } from './progress-bar';

export const REPL_VERBS = ['repl', 'exec', 'run', 'fs', 'reset'] as const;

export const REPL_USAGE = `MicroPython commands (mpremote's shape):
  repl                         Open the board's REPL in this terminal (Ctrl-] quits)
  exec CODE                    Run Python code on the board and print its output
  run FILE                     Run a local Python file on the board (Ctrl-C stops it)
  fs ls [DIR]                  List a board folder with sizes and free space
  fs cat FILE                  Print a board file
  fs cp [-r] SRC... DST        Copy files; board paths start with ":" (kiln fs cp main.py :)
  fs rm [-r] PATH...           Delete files (and, with -r, folders)
  fs mkdir PATH...             Make folders
  reset [--hard]               Soft reset (Ctrl-D; main.py runs); --hard pulses RTS/EN

Options: -p, --port PATH   -b, --baud N (default 115200)   --timeout S (run: silence allowed, 0 = none)`;

export interface ReplCliIo {
  stdout: TextOutput;
  stderr: TextOutput;
  openLink?: (path: string, baud: number) => Promise<Link>;
  listPorts?: () => Promise<PortDescription[]>;
  signal?: AbortSignal;
  /** Keys for `kiln repl` (default process.stdin). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
}

/** The verb a command line names, if it is one of these (options before it are skipped). */
export function replVerbOf(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '-p' || word === '--port' || word === '-b' || word === '--baud') {
      i += 1;
      continue;
    }
    if (word.startsWith('-')) continue;
    return (REPL_VERBS as readonly string[]).includes(word) ? word : null;
  }
  return null;
}

class ReplUsageError extends Error {}

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const CTRL_RIGHT_BRACKET = 0x1d;
const CTRL_X = 0x18;

export async function runReplVerb(argv: readonly string[], io: ReplCliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${REPL_USAGE}\n`);
    return EXIT_USAGE;
  }
  if (parsed.help) {
    io.stdout.write(`${REPL_USAGE}\n`);
    return EXIT_OK;
  }
  let link: Link | null = null;
  try {
    const port = parsed.port ?? (await onlyPort(io));
    link = await (io.openLink ?? openPort)(port, parsed.baud);
    return await runVerb(parsed, link, io);
  } catch (error) {
    const readable = toReplError(error);
    const message = readable instanceof Error ? readable.message : String(readable);
    const hint = readable instanceof KilnError && readable.hint ? `\n${readable.hint}` : '';
    io.stderr.write(`Error: ${message}${hint}\n`);
    return EXIT_FAILED;
  } finally {
    await link?.close().catch(() => undefined);
  }
}

interface Parsed {
  verb: string;
  words: string[];
  port: string | null;
  baud: number;
  recursive: boolean;
  hard: boolean;
  timeoutS: number;
  help: boolean;
}

function parse(argv: readonly string[]): Parsed {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: 'string', short: 'p' },
      baud: { type: 'string', short: 'b', default: '115200' },
      recursive: { type: 'boolean', short: 'r', default: false },
      hard: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const baud = Number(values.baud);
  if (!Number.isInteger(baud) || baud <= 0) throw new ReplUsageError(`--baud must be a whole number such as 115200 (got ${values.baud}).`);
  const timeoutS = Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS < 0) throw new ReplUsageError(`--timeout must be seconds, 0 or more (got ${values.timeout}).`);
  const [verb, ...words] = positionals;
  if (!verb) throw new ReplUsageError('Name a command.');
  if (values.help) return { verb, words, port: values.port ?? null, baud, recursive: values.recursive, hard: values.hard, timeoutS, help: true };
  const need = (count: number, what: string) => {
    if (words.length < count) throw new ReplUsageError(`kiln ${verb} needs ${what}.`);
  };
  if (verb === 'exec') need(1, 'the code to run, in quotes');
  if (verb === 'run') need(1, 'a local Python file');
  if (verb === 'fs') {
    const sub = words[0];
    if (!sub || !['ls', 'cat', 'cp', 'rm', 'mkdir'].includes(sub)) throw new ReplUsageError('kiln fs needs one of ls, cat, cp, rm, mkdir.');
    if (sub === 'cat') need(2, 'a board file');
    if (sub === 'cp') need(3, 'a source and a destination (board paths start with ":")');
    if (sub === 'rm' || sub === 'mkdir') need(2, 'a board path');
  }
  return { verb, words, port: values.port ?? null, baud, recursive: values.recursive, hard: values.hard, timeoutS, help: values.help };
}

async function onlyPort(io: ReplCliIo): Promise<string> {
  const ports = await (io.listPorts ?? listPorts)();
  if (ports.length === 1) return ports[0]!.path;
  if (ports.length === 0) throw new KilnError('device', 'No serial port found.', 'Plug the board in, or name a port with --port.');
  throw new KilnError('device', `${ports.length} serial ports found (${ports.map((port) => port.path).join(', ')}).`, 'Choose one with --port.');
}

/** ":main.py" and "main.py" -> "/main.py"; ":" -> "/". */
function boardPath(word: string): string {
  const bare = word.startsWith(':') ? word.slice(1) : word;
  const absolute = bare.startsWith('/') ? bare : `/${bare}`;
  return absolute.length > 1 ? absolute.replace(/\/+$/, '') : '/';
}

async function enterRepl(link: Link): Promise<RawRepl> {
  const repl = new RawRepl(link);
  try {
    await repl.enter();
  } catch (error) {
    throw await explainNoRawRepl(link, error);
  }
  return repl;
}

/**
 * Board output goes to stdout as bytes where stdout is the process's own (binary files through
 * `fs cat`, escape sequences), and decoded as UTF-8 into a text writer (tests, embedding).
 */
function byteWriter(io: ReplCliIo): (bytes: Uint8Array) => void {
  if (io.stdout === process.stdout) return (bytes) => void process.stdout.write(bytes);
  const decoder = new TextDecoder();
  return (bytes) => io.stdout.write(decoder.decode(bytes, { stream: true }));
}

async function runVerb(parsed: Parsed, link: Link, io: ReplCliIo): Promise<number> {
  const out = (text: string) => io.stdout.write(text);
  switch (parsed.verb) {
    case 'repl':
      return terminal(link, io);
    case 'reset':
      return reset(link, parsed.hard, io);
    case 'exec':
    case 'run': {
      const code = parsed.verb === 'exec' ? parsed.words.join(' ') : await readFile(parsed.words[0]!);
      const repl = await enterRepl(link);
      const stop = () => void link.write(Uint8Array.of(0x03)).catch(() => undefined);
      io.signal?.addEventListener('abort', stop);
      try {
        const timeoutMs = parsed.verb === 'exec' ? 30_000 : parsed.timeoutS > 0 ? parsed.timeoutS * 1000 : 2 ** 31 - 1;
        const result = await repl.exec(typeof code === 'string' ? code : new Uint8Array(code), { timeoutMs, onStdout: out });
        if (result.stderr.trim() !== '') {
          io.stderr.write(result.stderr.endsWith('\n') ? result.stderr : `${result.stderr}\n`);
          return EXIT_FAILED;
        }
        return EXIT_OK;
      } finally {
        io.signal?.removeEventListener('abort', stop);
        await repl.exit().catch(() => undefined);
      }
    }
    case 'fs':
      return files(parsed, link, io);
    default:
      throw new ReplUsageError(`Unknown command ${parsed.verb}.`);
  }
}

async function files(parsed: Parsed, link: Link, io: ReplCliIo): Promise<number> {
  const [sub, ...args] = parsed.words;
  const repl = await enterRepl(link);
  const say = (text: string) => io.stdout.write(`${text}\n`);
  try {
    switch (sub) {
      case 'ls': {
        const folder = boardPath(args[0] ?? '/');
        const entries = await repl.listDir(folder);
        const width = Math.max(1, ...entries.map((entry) => String(entry.size).length));
        for (const entry of entries) say(`${String(entry.size).padStart(width)} ${entry.name}${entry.kind === 'dir' ? '/' : ''}`);
        const usage = await repl.fsUsage(folder);
        if (usage) say(`${formatBytes(usage.freeBytes)} free of ${formatBytes(usage.totalBytes)}`);
        return EXIT_OK;
      }
      case 'cat': {
        const write = byteWriter(io);
        for (const word of args) write(await repl.readFile(boardPath(word)));
        return EXIT_OK;
      }
      case 'mkdir':
        for (const word of args) await repl.mkdir(boardPath(word));
        return EXIT_OK;
      case 'rm':
        for (const word of args) {
          const target = boardPath(word);
          const kind = await boardPathKind(repl, target);
          if (kind === null) throw new KilnError('not-found', `There is no ${target} on the board.`);
          if (kind === 'dir' && !parsed.recursive && (await repl.listDir(target)).length > 0) {
            throw new KilnError('bad-request', `${target} is a folder with files in it.`, 'Add -r to delete it with everything inside.');
          }
          if (target === '/') throw new KilnError('bad-request', 'Kiln does not delete the whole filesystem in one go.');
          await repl.removeTree(target);
        }
        return EXIT_OK;
      case 'cp':
        return await copy(repl, args, parsed.recursive, io);
      default:
        throw new ReplUsageError(`Unknown fs command ${sub ?? ''}.`);
    }
  } finally {
    await repl.exit().catch(() => undefined);
  }
}

async function copy(repl: RawRepl, args: string[], recursive: boolean, io: ReplCliIo): Promise<number> {
  const destination = args[args.length - 1]!;
  const sources = args.slice(0, -1);
  const progress = (file: string) => (p: { done: number; total: number }) => {
    if (io.stdout.isTTY) io.stdout.write(`\r${file}: ${formatBytes(p.done)} of ${formatBytes(p.total)}   `);
  };
  if (destination.startsWith(':')) {
    if (sources.some((source) => source.startsWith(':'))) throw new ReplUsageError('Copy between two board paths is not supported; copy to this computer first.');
    const target = boardPath(destination);
    const targetKind = await boardPathKind(repl, target);
    for (const source of sources) {
      const info = await stat(source).catch(() => null);
      if (!info) throw new KilnError('not-found', `There is no ${source} on this computer.`);
      if (info.isDirectory() && !recursive) throw new ReplUsageError(`${source} is a folder; add -r to copy it with everything inside.`);
    }
    // Into an existing board folder (or several sources): keep the names; else the target is the new name.
    const intoFolder = targetKind === 'dir' || sources.length > 1 || destination.endsWith('/');
    if (intoFolder) {
      if (targetKind !== 'dir') await repl.mkdir(target, { existOk: true });
      const outcome = await uploadPaths(repl, sources, target, progress(target), io.signal);
      if (io.stdout.isTTY) io.stdout.write('\n');
      for (const file of outcome.files) io.stdout.write(`${file.path}: ${formatBytes(file.bytes)}, verified by ${file.verified === 'sha256' ? 'SHA-256' : 'size'}\n`);
      return EXIT_OK;
    }
    if ((await stat(sources[0]!)).isDirectory()) {
      // A folder under a new name: its contents go into the new board folder.
      await repl.mkdir(target, { existOk: true });
      const children = (await readdir(sources[0]!)).sort().map((name) => path.join(sources[0]!, name));
      const outcome = await uploadPaths(repl, children, target, progress(target), io.signal);
      if (io.stdout.isTTY) io.stdout.write('\n');
      io.stdout.write(`${target}/: ${outcome.files.length} files, ${formatBytes(outcome.files.reduce((sum, file) => sum + file.bytes, 0))}, each verified\n`);
      return EXIT_OK;
    }
    // One file under a new name: straight to the target, never through a file of the source's name.
    const data = new Uint8Array(await readFile(sources[0]!));
    const verified = await uploadVerified(repl, target, data, (written) => progress(target)({ done: written, total: data.length }), io.signal);
    if (io.stdout.isTTY) io.stdout.write('\n');
    io.stdout.write(`${target}: ${formatBytes(data.length)}, verified by ${verified === 'sha256' ? 'SHA-256' : 'size'}\n`);
    return EXIT_OK;
  }
  if (!sources.every((source) => source.startsWith(':'))) throw new ReplUsageError('One side of kiln fs cp must be a board path starting with ":".');
  const local = destination;
  const localInfo = await stat(local).catch(() => null);
  for (const source of sources) {
    const from = boardPath(source);
    const kind = await boardPathKind(repl, from);
    if (kind === null) throw new KilnError('not-found', `There is no ${from} on the board.`);
    if (kind === 'dir' && !recursive) throw new ReplUsageError(`${from} is a folder; add -r to copy it with everything inside.`);
    const name = from === '/' ? 'board' : path.posix.basename(from);
    const target = localInfo?.isDirectory() || sources.length > 1 ? path.join(local, name) : local;
    const result = await downloadPath(repl, from, target, progress(from), io.signal);
    if (io.stdout.isTTY) io.stdout.write('\n');
    io.stdout.write(`${from} -> ${target}: ${result.files} file${result.files === 1 ? '' : 's'}, ${formatBytes(result.bytes)}\n`);
  }
  return EXIT_OK;
}

async function reset(link: Link, hard: boolean, io: ReplCliIo): Promise<number> {
  if (hard) {
    try {
      await hardResetSequence().run(link);
    } catch (error) {
      if (error instanceof ModemLinesUnsupportedError) {
        throw new KilnError('device', `${link.path} cannot drive the RTS line that resets the board.`, 'Use "kiln reset" (a soft reset) or press RESET on the board.');
      }
      throw error;
    }
    io.stdout.write('Hard reset (RTS pulse on EN).\n');
    return EXIT_OK;
  }
  // At the friendly prompt, Ctrl-D restarts MicroPython and runs boot.py and main.py.
  const reader = new LinkReader(link);
  await link.write(Uint8Array.of(0x03, 0x03, 0x02));
  await reader.drain(100, 1000);
  await link.write(Uint8Array.of(0x04));
  await reader.readUntil('soft reboot', 5000, 'soft-resetting');
  io.stdout.write('Soft reset: MicroPython restarted.\n');
  return EXIT_OK;
}

/** `kiln repl`: the board's console in this terminal until Ctrl-] (or Ctrl-X, or the end of stdin). */
async function terminal(link: Link, io: ReplCliIo): Promise<number> {
  const stdin = io.stdin ?? (process.stdin as NodeJS.ReadStream);
  const raw = Boolean(stdin.isTTY && stdin.setRawMode);
  io.stderr.write(`Connected to ${link.path}. Ctrl-] quits.\n`);
  const write = byteWriter(io);
  let ended = false;
  let inputEnded = false;
  const finished = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const quit = bytes.findIndex((byte) => byte === CTRL_RIGHT_BRACKET || byte === CTRL_X);
      const send = quit >= 0 ? bytes.subarray(0, quit) : bytes;
      if (send.length > 0) void link.write(new Uint8Array(send)).catch(() => undefined);
      if (quit >= 0) stop();
    };
    const stop = () => {
      if (ended) return;
      ended = true;
      stdin.off('data', onData);
      resolve();
    };
    stdin.on('data', onData);
    stdin.once('end', () => {
      inputEnded = true;
    });
    link.onClose(() => stop());
    io.signal?.addEventListener('abort', stop);
    if (raw) stdin.setRawMode!(true);
    stdin.resume();
    void (async () => {
      let quietSince = Date.now();
      while (!ended) {
        const bytes = await link.read(50).catch(() => null);
        if (bytes === null) return stop();
        if (bytes.length > 0) {
          write(bytes);
          quietSince = Date.now();
        } else if (inputEnded && Date.now() - quietSince > 500) {
          // Piped input is done and the board has answered it.
          return stop();
        }
      }
    })();
  });
  await finished;
  if (raw) stdin.setRawMode!(false);
  stdin.pause();
  io.stderr.write('\nDisconnected.\n');
  return EXIT_OK;
}
