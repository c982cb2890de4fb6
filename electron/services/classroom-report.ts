/**
 * Classroom mode's run report: the CSV a teacher opens in a spreadsheet, and the history of runs
 * kept in the data folder (<dataDir>/classroom/history.json, written atomically) so a report
 * survives a restart of Kiln.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CHIP_DISPLAY_NAMES } from '../../shared/types/chips';
import { HISTORY_RUNS_KEPT, type ClassroomHistoryRun, type ClassroomReportRow } from '../../shared/types/classroom';
import { KilnError } from '../../shared/types/errors';
import { writeFileAtomic } from '../fs/atomic-file';

export const CSV_COLUMNS = [
  'run',
  'started',
  'port',
  'mac',
  'chip',
  'flash_bytes',
  'firmware',
  'firmware_sha256',
  'result',
  'attempt',
  'duration_s',
  'bytes_sent',
  'unchanged_bytes',
  'error',
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces,
 * quotes doubled. Text that a spreadsheet would run as a formula (= + - @ first) gets a leading
 * apostrophe: an error message or a file name must never become a formula on the teacher's machine.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function reportCsv(rows: readonly ClassroomReportRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) {
    lines.push(
      [
        row.runId,
        new Date(row.startedAt).toISOString(),
        row.port,
        row.mac,
        row.chip ? CHIP_DISPLAY_NAMES[row.chip] : null,
        row.flashBytes,
        row.firmware,
        row.firmwareSha256,
        row.result,
        row.attempt,
        Number((row.durationMs / 1000).toFixed(2)),
        row.bytesSent,
        row.unchangedBytes,
        row.error,
      ]
        .map(csvField)
        .join(','),
    );
  }
  // CRLF, as RFC 4180 and every spreadsheet expect.
  return `${lines.join('\r\n')}\r\n`;
}

/** "kiln-classroom-2025-03-14-0930.csv" for a run started then (local time). */
export function csvFileName(startedAt: number): string {
  const d = new Date(startedAt);
  const two = (n: number) => String(n).padStart(2, '0');
  return `kiln-classroom-${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}-${two(d.getHours())}${two(d.getMinutes())}.csv`;
}

/** Writes `csv` into `folder` under `fileName`, or "name (2).csv" when taken: never over an existing file. */
export async function saveCsvInFolder(folder: string, fileName: string, csv: string): Promise<string> {
  let info;
  try {
    info = await stat(folder);
  } catch {
    throw new KilnError('not-found', `The folder ${folder} does not exist.`, 'Check the path, or create the folder first.');
  }
  if (!info.isDirectory()) throw new KilnError('io', `${folder} is not a folder.`, 'Give the folder to save the report in.');
  const stem = fileName.replace(/\.csv$/, '');
  for (let n = 1; n < 1000; n++) {
    const candidate = join(folder, n === 1 ? `${stem}.csv` : `${stem} (${n}).csv`);
    const taken = await stat(candidate).then(
      () => true,
      () => false,
    );
    if (taken) continue;
    try {
      await writeFileAtomic(candidate, csv);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new KilnError('io', `Could not save the report in ${folder}${code === 'EACCES' || code === 'EPERM' ? ' (permission denied)' : code === 'ENOSPC' ? ' (the disk is full)' : ''}.`, 'Choose another folder.');
    }
    return candidate;
  }
  throw new KilnError('io', `${folder} already holds 999 reports named ${stem}.`, 'Choose another folder.');
}


const historySchema = z.object({ version: z.literal(1), runs: z.array(z.object({ run: z.object({ id: z.string() }).passthrough(), rows: z.array(z.object({}).passthrough()) })) });

/**
 * The history file. Writes are chained, so two quick changes never race on the temporary file;
 * a damaged file is set aside as history.json.damaged (never lost) and a new one begun.
 */
export class ClassroomHistory {
  private readonly file: string;
  private runs: ClassroomHistoryRun[] = [];
  private loaded: Promise<void> | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.file = join(dataDir, 'classroom', 'history.json');
  }

  async list(): Promise<ClassroomHistoryRun[]> {
    await this.load();
    return structuredClone(this.runs);
  }

  async find(runId: string): Promise<ClassroomHistoryRun | null> {
    await this.load();
    return structuredClone(this.runs.find((entry) => entry.run.id === runId) ?? null);
  }

  /** Puts a run first (new) or replaces it (updated), then saves. */
  async record(entry: ClassroomHistoryRun): Promise<void> {
    await this.load();
    const copy = structuredClone(entry);
    this.runs = [copy, ...this.runs.filter((candidate) => candidate.run.id !== entry.run.id)].slice(0, HISTORY_RUNS_KEPT);
    const snapshot = JSON.stringify({ version: 1, runs: this.runs });
    this.writing = this.writing.then(() => writeFileAtomic(this.file, `${snapshot}\n`)).catch(() => undefined);
    await this.writing;
  }

  /** Resolves when every save asked for so far has finished. */
  idle(): Promise<void> {
    return this.writing;
  }

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      let text: string;
      try {
        text = await readFile(this.file, 'utf8');
      } catch {
        return;
      }
      try {
        const parsed = historySchema.parse(JSON.parse(text));
        this.runs = parsed.runs as unknown as ClassroomHistoryRun[];
      } catch {
        await writeFileAtomic(`${this.file}.damaged`, text).catch(() => undefined);
      }
    })();
    return this.loaded;
  }
}
