import { z } from 'zod';
import { CHIP_FAMILIES } from '../types/chips';
import type { BackupEntry, BackupExportResult, BoardRecord, FirmwareGuess, RestoreCheck } from '../types/backups';
import type { JobSummary } from '../types/jobs';
import { event, request } from './define';
import { sessionId } from './device';

export const backupId = z.string().regex(/^bk-[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$/, 'is not a backup id');
const label = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(120)
  .refine((text) => ![...text].some((char) => char.charCodeAt(0) < 0x20), { message: 'contains control characters' });
/** An absolute path chosen in a dialog (never relative, never with control characters). */
const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((path) => ![...path].some((char) => char.charCodeAt(0) < 0x20), { message: 'contains control characters' })
  .refine((path) => path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\'), { message: 'must be an absolute path' });
const offset = z.number().int().min(0).max(0x4000000);
const region = z
  .object({ offset, size: z.number().int().min(1).max(0x4000000) })
  .strict();
const mac = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i, 'is not a MAC address (aa:bb:cc:dd:ee:ff)');

export const backupsRequests = {
  /** Backups in the library, newest first; `query` matches the label, MAC or chip. */
  'backups.list': request(z.object({ query: z.string().max(200).optional() }).strict()).returns<BackupEntry[]>(),
  /** Starts a 'backup' job: reads the whole flash (or `region`), verified by the board's MD5, into the library. */
  'backups.create': request(z.object({ sessionId, label: label.optional(), region: region.optional() }).strict()).returns<JobSummary>(),
  'backups.rename': request(z.object({ id: backupId, label }).strict()).returns<BackupEntry>(),
  'backups.delete': request(z.object({ id: backupId }).strict()).returns<null>(),
  /** Copies the image and its metadata into `folder` (never over an existing file). */
  'backups.export': request(z.object({ id: backupId, folder: absolutePath }).strict()).returns<BackupExportResult>(),
  /** Adds a raw image file with metadata the user entered. */
  'backups.import': request(
    z
      .object({ path: absolutePath, label, chip: z.enum(CHIP_FAMILIES), mac: mac.optional(), offset: offset.optional() })
      .strict(),
  ).returns<BackupEntry>(),
  /** What restoring `id` onto the board would refuse or warn about; nothing is written. */
  'backups.checkRestore': request(z.object({ id: backupId, sessionId }).strict()).returns<RestoreCheck>(),
  /** Starts a 'restore' job: guarded like checkRestore, written through the board's write path, verified. */
  'backups.restore': request(
    z.object({ id: backupId, sessionId, confirmed: z.literal(true), allowOtherBoard: z.boolean().optional() }).strict(),
  ).returns<JobSummary>(),
  /** Every board Kiln has seen, by MAC, most recent first. */
  'boards.history': request(z.object({}).strict()).returns<BoardRecord[]>(),
  /** A quick look at what firmware is on a connected board (a few small reads). */
  'device.probeFirmware': request(z.object({ sessionId }).strict()).returns<FirmwareGuess>(),
};

export const backupsEvents = {
  /** The library changed (a backup made, renamed, deleted or imported): the full list, newest first. */
  'backups.changed': event<BackupEntry[]>(),
};
