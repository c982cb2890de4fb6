/**
 * `kiln classroom --recipe recipe.json`: station mode for a screenless machine with a USB hub.
 * The same classroom loop as the app's Classroom screen, printing one line per board event; it
 * runs until Ctrl-C, or until --once N boards have finished (done, failed or skipped).
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { classroomOptionsSchema, classroomRecipeSchema } from '../../shared/contract/classroom';
import { CHIP_DISPLAY_NAMES } from '../../shared/types/chips';
import type { ClassroomRecipe, ClassroomReportRow, ClassroomStation } from '../../shared/types/classroom';
import { KilnError } from '../../shared/types/errors';
import { formatBytes } from '../../shared/format';
import type { Link } from '../serial/link';
import type { ClassroomEvent } from '../services/classroom';
import { createClassroomStation } from '../services/classroom-station';
import { defaultDataDir } from '../services/data-dir';
import { demoBoardSet, parseDemoBoards, type DemoBoardSet } from '../services/demo-boards';
import { composePortList, hardwarePortLister, openPort, type PortSource } from '../services/port-sources';
import type { TextOutput } from './progress-bar';

export interface ClassroomCliIo {
  stdout: TextOutput;
  stderr: TextOutput;
  openLink?: (path: string, baud: number) => Promise<Link>;
  /** Ctrl-C: the station stops, cancelling the boards being written. */
  signal?: AbortSignal;
  /** Seconds between looks at the port list (tests: shorter). */
  pollIntervalMs?: number;
  /** Leave out the machine's serial ports (tests on a machine that has some). */
  noHardwarePorts?: boolean;
}

export const CLASSROOM_USAGE = `Usage: kiln classroom --recipe RECIPE.json [options]

Station mode: watches the USB ports; each board that is plugged in and matches the recipe's chip
is written (then given the recipe's files); one line per board event.

Options:
  -r, --recipe FILE        The recipe (JSON): {"firmware": "ESP32_GENERIC.bin", "baud": 460800,
                           "eraseFirst": false, "files": ["main.py"], "wifi": {"ssid": "…", "password": "…"}}
                           Paths are relative to the recipe's folder.
      --concurrency N      Boards written at once (default 8)
      --no-auto-start      Identify boards but write none (a dry look at the tray)
      --once N             Stop after N boards have finished (done, failed or skipped)
      --demo-boards FILE   Virtual boards to use as well (a Demo board list, JSON)
      --data-dir DIR       Kiln's data folder: firmware cache, report history (default: the app's)
  -h, --help               Show this help`;

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

class ClassroomUsageError extends Error {}

export function isClassroomCommand(argv: readonly string[]): boolean {
  return argv[0] === 'classroom';
}

/** A recipe file as a person writes it: a firmware path as a string, files as paths, relative to the file. */
export async function readRecipeFile(file: string): Promise<ClassroomRecipe> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ClassroomUsageError(code === 'ENOENT' ? `The recipe ${file} does not exist.` : `The recipe ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const base = dirname(resolve(file));
  const at = (path: unknown) => (typeof path === 'string' && !isAbsolute(path) ? resolve(base, path) : path);
  if (raw && typeof raw === 'object') {
    const recipe = raw as Record<string, unknown>;
    if (typeof recipe.firmware === 'string') recipe.firmware = { kind: 'file', path: recipe.firmware };
    const firmware = recipe.firmware as Record<string, unknown> | undefined;
    if (firmware?.kind === 'file') firmware.path = at(firmware.path);
    if (Array.isArray(recipe.files)) recipe.files = recipe.files.map((entry: unknown) => (typeof entry === 'string' ? { path: at(entry) } : entry && typeof entry === 'object' ? { ...entry, path: at((entry as { path?: unknown }).path) } : entry));
  }
  const parsed = classroomRecipeSchema.safeParse(raw);
  if (!parsed.success) throw new ClassroomUsageError(`The recipe ${file} is not valid: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'recipe'}: ${issue.message}`).join('; ')}.`);
  return parsed.data;
}

function eventLine(event: ClassroomEvent): string | null {
  const s = event.station;
  const who = (station: ClassroomStation) => `${station.port}${station.board ? ` ${station.board.mac}` : ''}`;
  if (event.kind === 'attached') return `attached   ${s.port} (${s.portLabel})`;
  if (event.kind === 'identified') return `identified ${who(s)} ${s.board ? `${CHIP_DISPLAY_NAMES[s.board.chip]}${s.board.flashBytes ? `, ${formatBytes(s.board.flashBytes)} flash` : ''}` : ''}`;
  if (event.kind === 'started') return `started    ${who(s)}${s.attempts > 1 ? ` (attempt ${s.attempts})` : ''}`;
  const row: ClassroomReportRow = event.row;
  const seconds = `${(row.durationMs / 1000).toFixed(1)} s`;
  if (row.result === 'done') {
    const up = row.unchangedBytes > 0 ? `, ${formatBytes(row.unchangedBytes)} already up to date` : '';
    return `done       ${who(s)} in ${seconds}: ${formatBytes(row.bytesSent)} sent${up}`;
  }
  if (row.result === 'unplugged') return `unplugged  ${who(s)}: plug it back in to retry (${row.error ?? 'the cable was pulled'})`;
  if (row.result === 'skipped') return `skipped    ${who(s)}: ${s.message}`;
  return `${row.result.padEnd(10)} ${who(s)}: ${row.error ?? s.message}`;
}

export async function runClassroomCli(argv: readonly string[], io: ClassroomCliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv.slice(1),
      strict: true,
      options: {
        recipe: { type: 'string', short: 'r' },
        concurrency: { type: 'string' },
        'no-auto-start': { type: 'boolean' },
        once: { type: 'string' },
        'demo-boards': { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message.replace(/^TypeError[^:]*: /, '') : String(error)}\n\n${CLASSROOM_USAGE}\n`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout.write(`${CLASSROOM_USAGE}\n`);
    return EXIT_OK;
  }
  const once = values.once === undefined ? null : Number(values.once);
  const concurrency = values.concurrency === undefined ? 8 : Number(values.concurrency);
  let recipe: ClassroomRecipe;
  let demo: DemoBoardSet | null = null;
  try {
    if (!values.recipe) throw new ClassroomUsageError('Say which recipe to use: kiln classroom --recipe recipe.json');
    if (once !== null && (!Number.isSafeInteger(once) || once < 1)) throw new ClassroomUsageError(`--once "${values.once}" must be a whole number of boards, 1 or more.`);
    const options = classroomOptionsSchema.safeParse({ concurrency, autoStart: !values['no-auto-start'] });
    if (!options.success) throw new ClassroomUsageError(`--concurrency "${values.concurrency}" must be a whole number from 1 to 32.`);
    recipe = await readRecipeFile(values.recipe);
    if (values['demo-boards']) {
      try {
        demo = demoBoardSet(parseDemoBoards(JSON.parse(await readFile(values['demo-boards'], 'utf8'))));
      } catch (error) {
        throw new ClassroomUsageError(`--demo-boards ${values['demo-boards']}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } catch (error) {
    if (error instanceof ClassroomUsageError) {
      io.stderr.write(`${error.message}\n\nRun kiln classroom --help for the options.\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  const chosenDemo = demo;
  const sources: PortSource[] = [];
  if (!io.noHardwarePorts) sources.push({ name: 'serial ports', list: hardwarePortLister() });
  if (chosenDemo) sources.push({ name: 'Demo boards', list: async () => chosenDemo.list() });
  const baseOpen = io.openLink ?? openPort;
  const station = createClassroomStation({
    dataDir: values['data-dir'] ? resolve(values['data-dir']) : defaultDataDir(),
    listPorts: () => composePortList(sources),
    openLink: (path, baud) => (chosenDemo?.handles(path) ? chosenDemo.open(path, baud) : baseOpen(path, baud)),
    ...(io.pollIntervalMs !== undefined ? { pollIntervalMs: io.pollIntervalMs } : {}),
  });
  let finished = 0;
  let failed = 0;
  let stopAsked: () => void = () => undefined;
  const stopped = new Promise<void>((resolveStop) => (stopAsked = resolveStop));
  station.classroom.onEvent((event) => {
    const line = eventLine(event);
    if (line) io.stdout.write(`${line}\n`);
    if (event.kind === 'finished' && event.row.result !== 'unplugged' && event.row.result !== 'cancelled') {
      finished += 1;
      if (event.row.result === 'failed') failed += 1;
      if (once !== null && finished >= once) stopAsked();
    }
  });
  io.signal?.addEventListener('abort', () => stopAsked(), { once: true });
  try {
    const state = await station.classroom.start(recipe, { autoStart: !values['no-auto-start'], concurrency });
    io.stdout.write(`Station ready: ${state.run!.firmwareName} for the ${CHIP_DISPLAY_NAMES[state.run!.chip]} (sha256 ${state.run!.firmwareSha256.slice(0, 16)}…), ${concurrency} at a time. Plug boards in; Ctrl-C to stop.\n`);
    await stopped;
    await station.classroom.stop();
    const history = await station.classroom.history();
    const rows = history[0]?.rows ?? [];
    const done = rows.filter((row) => row.result === 'done').length;
    io.stdout.write(`Stopped: ${done} board${done === 1 ? '' : 's'} done, ${failed} failed, ${rows.length} attempt${rows.length === 1 ? '' : 's'} in the report.\n`);
    return failed > 0 ? EXIT_FAILED : EXIT_OK;
  } catch (error) {
    if (error instanceof KilnError) {
      io.stderr.write(`${error.message}${error.hint ? ` ${error.hint}` : ''}\n`);
      return EXIT_FAILED;
    }
    throw error;
  } finally {
    await station.dispose();
  }
}
