import { z } from 'zod';
import { FLASH_BAUD_RATES } from '../types/settings';
import type { ClassroomCsv, ClassroomCsvSaved, ClassroomHistoryRun, ClassroomState } from '../types/classroom';
import { event, request } from './define';
import { catalogEntryId, localFilePath, localImageId } from './firmware';

/** Most boards a station writes at once; a USB hub rarely powers more. */
export const MAX_CLASSROOM_CONCURRENCY = 32;

const boardPath = z
  .string()
  .min(2)
  .max(255)
  .regex(/^\/[^\0\\]*[^/]$/, 'must be an absolute board path such as /main.py')
  .refine((path) => !path.split('/').includes('..'), { message: 'must not contain ".."' });

const printable = (max: number) =>
  z
    .string()
    .max(max)
    .refine((text) => ![...text].some((char) => char.charCodeAt(0) < 0x20), { message: 'contains control characters' });

/** The recipe: checked here for the app and for `kiln classroom --recipe` (the same schema). */
export const classroomRecipeSchema = z
  .object({
    firmware: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('catalog'), entryId: catalogEntryId }).strict(),
      z.object({ kind: z.literal('local'), id: localImageId }).strict(),
      z.object({ kind: z.literal('file'), path: localFilePath }).strict(),
    ]),
    flashMode: z.enum(['keep', 'qio', 'qout', 'dio', 'dout']).default('keep'),
    flashSize: z.enum(['detect', 'keep']).default('detect'),
    baud: z
      .number()
      .int()
      .refine((value) => (FLASH_BAUD_RATES as readonly number[]).includes(value), { message: `must be one of ${FLASH_BAUD_RATES.join(', ')}` })
      .or(z.literal('auto'))
      .default('auto'),
    eraseFirst: z.boolean().default(false),
    files: z
      .array(z.object({ path: localFilePath, boardPath: boardPath.optional() }).strict())
      .max(32)
      .default([]),
    wifi: z
      .object({ ssid: printable(32).pipe(z.string().min(1, 'must not be empty')), password: printable(64) })
      .strict()
      .nullable()
      .default(null),
  })
  .strict();

export const classroomOptionsSchema = z
  .object({
    autoStart: z.boolean().default(true),
    concurrency: z.number().int().min(1).max(MAX_CLASSROOM_CONCURRENCY).default(8),
  })
  .strict();

const stationId = z.string().regex(/^st-[0-9a-z-]{1,40}$/, 'is not a station id');
const runId = z.string().regex(/^run-[0-9a-z-]{1,40}$/, 'is not a run id');
const folder = localFilePath;

export const classroomRequests = {
  'classroom.state': request(z.object({}).strict()).returns<ClassroomState>(),
  /** Checks the recipe (the firmware resolves, the files are readable), then starts watching the ports. */
  'classroom.start': request(z.object({ recipe: classroomRecipeSchema, options: classroomOptionsSchema.default({ autoStart: true, concurrency: 8 }) }).strict()).returns<ClassroomState>(),
  /** Changes auto-start or the concurrency cap while the run goes on. */
  'classroom.options': request(z.object({ autoStart: z.boolean().optional(), concurrency: z.number().int().min(1).max(MAX_CLASSROOM_CONCURRENCY).optional() }).strict()).returns<ClassroomState>(),
  /** Ends the run: running boards are cancelled; the report stays in the history. */
  'classroom.stop': request(z.object({}).strict()).returns<ClassroomState>(),
  /** Starts a board that waits (auto-start off), or runs a failed or cancelled one again. */
  'classroom.retry': request(z.object({ stationId }).strict()).returns<ClassroomState>(),
  'classroom.cancel': request(z.object({ stationId }).strict()).returns<ClassroomState>(),
  'classroom.cancelAll': request(z.object({}).strict()).returns<ClassroomState>(),
  /** Earlier runs and this one, newest first. */
  'classroom.history': request(z.object({}).strict()).returns<ClassroomHistoryRun[]>(),
  /** The report of a run (default: the current or last one) as CSV text, for a download. */
  'classroom.report.csv': request(z.object({ runId: runId.optional() }).strict()).returns<ClassroomCsv>(),
  /** Writes that CSV into `folder` (atomically, never over an existing file). */
  'classroom.report.save': request(z.object({ runId: runId.optional(), folder }).strict()).returns<ClassroomCsvSaved>(),
};

export const classroomEvents = {
  /** The whole classroom state, at most 10 times a second. */
  'classroom.changed': event<ClassroomState>(),
};
