/**
 * `kiln backup create|list|restore|export`: the app's backup library from the command line. The
 * same services run here as in the app (device sessions, jobs, the library in the data folder),
 * so a backup made here shows up in the app and the other way round. Own argument parsing, so
 * the flashing verbs' parser stays untouched.
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { formatBytes, formatHex32, parseSize } from '../../shared/format';
import { CHIP_DISPLAY_NAMES } from '../../shared/types/chips';
import type { BackupEntry } from '../../shared/types/backups';
import { KilnError } from '../../shared/types/errors';
import type { JobSummary } from '../../shared/types/jobs';
import type { RESET_STRATEGIES } from '../../shared/types/device';
import { createFirmwareService } from '../firmware/service';
import { BackupService } from '../services/backups/backup-service';
import { BoardHistory } from '../services/backups/board-history';
import { BackupLibrary } from '../services/backups/library';
import { defaultDataDir } from '../services/data-dir';
import { DeviceSessions } from '../services/device-sessions';
import { JobManager } from '../services/job-manager';
import { openPort } from '../services/port-sources';
import type { Link } from '../serial/link';
import { ProgressPrinter, type TextOutput } from './progress-bar';

/** What the verbs need of the terminal: the part of run-cli's CliIo they use (declared here, so the two modules do not import each other). */
export interface BackupCliIo {
  stdout: TextOutput;
  stderr: TextOutput;
  openLink?: (path: string, baud: number) => Promise<Link>;
  /** Ctrl-C: the running job stops between blocks. */
  signal?: AbortSignal;
}

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

export const BACKUP_USAGE = `Usage: kiln backup <create|list|restore|export> [options]

  kiln backup create -p PORT [--label TEXT] [--offset N --size N]
                                   Read the whole flash (or a region) into the backup library, checked by MD5
  kiln backup list [TEXT] [--json] List backups, newest first; TEXT matches label, MAC or chip
  kiln backup restore ID -p PORT --yes [--other-board]
                                   Write a backup back (same chip, flash large enough, verified after writing);
                                   --other-board allows a backup made from another board (MAC)
  kiln backup export ID FOLDER     Copy the image and its metadata (.json) into FOLDER

Options:
  -p, --port PATH     Serial port, or virtual:esp32 / virtual:esp8266
  -b, --baud N        Baud rate for the transfer (default 460800)
      --no-stub       ROM loader only (the ESP32 ROM reads slowly; the ESP8266 ROM cannot read)
      --data-dir DIR  The Kiln data folder holding the library (default: the app's)
  -h, --help          Show this help`;

/** True when the command line asks for a backup verb (`kiln [options] backup …`). */
export function isBackupCommand(argv: readonly string[]): boolean {
  const at = argv.indexOf('backup');
  return at === 0 || (at > 0 && !OPTIONS_WITH_VALUES.has(argv[at - 1]!));
}

const OPTIONS_WITH_VALUES = new Set(['-p', '--port', '-b', '--baud', '--label', '--offset', '--size', '--data-dir', '--before', '--after']);

class BackupUsageError extends Error {}

interface Parsed {
  action: 'create' | 'list' | 'restore' | 'export';
  args: string[];
  port: string | null;
  baud: number;
  noStub: boolean;
  label: string | undefined;
  offset: number | undefined;
  size: number | undefined;
  yes: boolean;
  otherBoard: boolean;
  json: boolean;
  dataDir: string;
  help: boolean;
}

function parse(argv: readonly string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: 'string', short: 'p' },
        baud: { type: 'string', short: 'b' },
        'no-stub': { type: 'boolean' },
        label: { type: 'string' },
        offset: { type: 'string' },
        size: { type: 'string' },
        yes: { type: 'boolean', short: 'y' },
        'other-board': { type: 'boolean' },
        json: { type: 'boolean' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new BackupUsageError(error instanceof Error ? error.message.replace(/^TypeError[^:]*: /, '') : String(error));
  }
  const { values, positionals } = parsed;
  const [, actionText, ...args] = positionals;
  const help = values.help ?? false;
  const actions = ['create', 'list', 'restore', 'export'] as const;
  const action = actions.find((a) => a === actionText);
  if (!action && !help) throw new BackupUsageError(actionText ? `Unknown backup command "${actionText}". Use create, list, restore or export.` : 'Say what to do: kiln backup create, list, restore or export.');
  const baud = values.baud === undefined ? 460800 : Number(values.baud);
  if (!Number.isSafeInteger(baud) || baud < 9600 || baud > 5_000_000) throw new BackupUsageError(`--baud "${values.baud}" is not a usable baud rate.`);
  const size = (text: string | undefined, what: string): number | undefined => {
    if (text === undefined) return undefined;
    const value = parseSize(text);
    if (value === null) throw new BackupUsageError(`${what} "${text}" is not a number (use e.g. 0x1000, 4096, 64K, 1M).`);
    return value;
  };
  const result: Parsed = {
    action: action ?? 'list',
    args,
    port: values.port ?? null,
    baud,
    noStub: values['no-stub'] ?? false,
    label: values.label,
    offset: size(values.offset, '--offset'),
    size: size(values.size, '--size'),
    yes: values.yes ?? false,
    otherBoard: values['other-board'] ?? false,
    json: values.json ?? false,
    dataDir: values['data-dir'] ? resolve(values['data-dir']) : defaultDataDir(),
    help,
  };
  if (help) return result;
  const needs = (count: number, shape: string) => {
    if (args.length !== count) throw new BackupUsageError(`kiln backup ${action} needs ${shape}.`);
  };
  if (action === 'create') needs(0, 'only options, e.g. kiln backup create -p /dev/ttyUSB0 --label "factory"');
  if (action === 'list' && args.length > 1) throw new BackupUsageError('kiln backup list takes at most one search text.');
  if (action === 'restore') needs(1, 'the backup ID (see kiln backup list), e.g. kiln backup restore bk-20261201-213000-ab12cd -p /dev/ttyUSB0 --yes');
  if (action === 'export') needs(2, 'ID FOLDER, e.g. kiln backup export bk-20261201-213000-ab12cd ~/backups');
  if ((action === 'create' || action === 'restore') && !result.port) throw new BackupUsageError(`kiln backup ${action} needs the board's port: -p /dev/ttyUSB0 (or virtual:esp32).`);
  if ((result.offset === undefined) !== (result.size === undefined)) throw new BackupUsageError('Give --offset and --size together (or neither, for the whole flash).');
  return result;
}

export async function runBackupCli(argv: readonly string[], io: BackupCliIo): Promise<number> {
  let options: Parsed;
  try {
    options = parse(argv);
  } catch (error) {
    if (!(error instanceof BackupUsageError)) throw error;
    io.stderr.write(`${error.message}\n\n${BACKUP_USAGE}\n`);
    return EXIT_USAGE;
  }
  if (options.help) {
    io.stdout.write(`${BACKUP_USAGE}\n`);
    return EXIT_OK;
  }

  const printer = new ProgressPrinter(io.stdout);
  const say = (text: string): void => {
    printer.endBar();
    io.stdout.write(`${text}\n`);
  };
  const jobs = new JobManager({ publish: (summary) => summary.status === 'running' && summary.progress && printer.update(summary.progress), progressIntervalMs: 100 });
  const history = new BoardHistory(options.dataDir);
  const devices = new DeviceSessions({
    jobs,
    firmware: createFirmwareService({ dataDir: options.dataDir }),
    openLink: io.openLink ?? openPort,
    publish: () => undefined,
    defaultBaud: () => options.baud,
    onConnected: (info) => void history.seen(info).catch(() => undefined),
    onWritten: (info, what) => void history.flashed(info, what).catch(() => undefined),
  });
  const library = new BackupLibrary({ dir: join(options.dataDir, 'backups') });
  const backups = new BackupService({ library, history, devices, jobs });
  const stopOnSignal = () => void jobs.cancelAll();
  io.signal?.addEventListener('abort', stopOnSignal);
  try {
    switch (options.action) {
      case 'list':
        return await list(backups, options, say);
      case 'export': {
        const [id, folder] = options.args as [string, string];
        const result = await library.exportTo(id, resolve(folder));
        say(`Exported to ${result.imagePath} (metadata in ${result.metadataPath}).`);
        return EXIT_OK;
      }
      case 'create':
      case 'restore':
        return await onBoard(options, devices, backups, jobs, say);
    }
    return EXIT_USAGE;
  } catch (error) {
    printer.endBar();
    io.stderr.write(`A fatal error occurred: ${describe(error)}\n`);
    return EXIT_FAILED;
  } finally {
    io.signal?.removeEventListener('abort', stopOnSignal);
    await devices.closeAll().catch(() => undefined);
    await history.idle();
  }
}

async function list(backups: BackupService, options: Parsed, say: (text: string) => void): Promise<number> {
  const entries = await backups.list(options.args[0]);
  if (options.json) {
    say(JSON.stringify(entries, null, 2));
    return EXIT_OK;
  }
  if (entries.length === 0) {
    say(options.args[0] ? `No backups match "${options.args[0]}".` : `No backups yet (library: ${backups.library.dir}).`);
    return EXIT_OK;
  }
  for (const entry of entries) say(describeEntry(entry));
  return EXIT_OK;
}

function describeEntry(entry: BackupEntry): string {
  const region = `${formatBytes(entry.region.size)} at ${formatHex32(entry.region.offset)}`;
  return `${entry.id}  ${entry.createdAt.slice(0, 16).replace('T', ' ')}  ${CHIP_DISPLAY_NAMES[entry.chip]}  ${entry.mac ?? 'MAC unknown'}  ${region}  ${entry.firmware.summary}  "${entry.label}"`;
}

async function onBoard(options: Parsed, devices: DeviceSessions, backups: BackupService, jobs: JobManager, say: (text: string) => void): Promise<number> {
  // For a restore, the backup must exist before the board is touched.
  const entry = options.action === 'restore' ? await backups.library.get(options.args[0]!) : null;
  const before: (typeof RESET_STRATEGIES)[number] = 'default-reset';
  say(`Serial port ${options.port}`);
  const session = await devices.connect({ port: options.port!, baud: options.baud, useStub: !options.noStub, before });
  say(`Connected to ${session.info.description}, MAC ${session.info.mac}${session.info.usingStub ? '' : ' (ROM loader only)'}`);
  for (const warning of session.warnings) say(`Warning: ${warning}`);
  let job: JobSummary;
  if (entry) {
    const check = await backups.checkRestore(entry.id, session.id);
    for (const error of check.errors) say(`Refused: ${error}`);
    for (const warning of check.warnings) say(`Warning: ${warning}`);
    if (!check.ok) return EXIT_FAILED;
    if (!options.yes || (check.otherBoard && !options.otherBoard)) {
      say(`This writes "${entry.label}" (${formatBytes(entry.region.size)} at ${formatHex32(entry.region.offset)}) over the board's flash.`);
      say(check.otherBoard && !options.otherBoard ? 'Add --yes --other-board to restore another board’s backup onto this one.' : 'Add --yes to go ahead.');
      return EXIT_USAGE;
    }
    job = await backups.restore({ id: entry.id, sessionId: session.id, confirmed: true, allowOtherBoard: options.otherBoard });
  } else {
    const region = options.offset !== undefined && options.size !== undefined ? { offset: options.offset, size: options.size } : undefined;
    job = backups.create({ sessionId: session.id, ...(options.label ? { label: options.label } : {}), ...(region ? { region } : {}) });
  }
  const started = Date.now();
  const done = await jobs.settled(job.id);
  if (done.status === 'cancelled') throw new KilnError('cancelled', 'Stopped; nothing was saved.');
  if (done.error) throw new KilnError(done.error.code, done.error.message, done.error.hint);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (entry) {
    say(`Restored "${entry.label}" and verified it (MD5 ${entry.md5}) in ${seconds} s.`);
  } else {
    const [made] = await backups.list(session.info.mac);
    if (made) say(`Saved backup ${made.id} "${made.label}": ${formatBytes(made.region.size)}, MD5 ${made.md5} checked by the board, in ${seconds} s. ${made.firmware.summary}.`);
  }
  await devices.disconnect(session.id, 'hard-reset');
  return EXIT_OK;
}

function describe(error: unknown): string {
  if (error instanceof KilnError) return error.hint ? `${error.message} ${error.hint}` : error.message;
  return error instanceof Error ? error.message : String(error);
}
