/**
 * The file system's refusals, in words a person can act on. A backups folder that is read-only or
 * on a full disk is the user's to fix; Kiln says which folder and what to do.
 */
import { KilnError } from '../../../shared/types/errors';
import { formatBytes } from '../../../shared/format';

const READ_ONLY = new Set(['EACCES', 'EPERM', 'EROFS']);
const FULL = new Set(['ENOSPC', 'EDQUOT']);

export function storageError(error: unknown, folder: string, what: string, bytes?: number): unknown {
  if (error instanceof KilnError) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code && READ_ONLY.has(code)) {
    return new KilnError(
      'io',
      `Kiln cannot ${what}: the folder ${folder} is read-only (or Kiln has no permission to write there).`,
      'Make the folder writable, or start Kiln with another data folder (--data-dir or KILN_DATA_DIR).',
    );
  }
  if (code && FULL.has(code)) return diskFull(folder, what, bytes);
  if (code === 'ENOENT') return new KilnError('not-found', `Kiln cannot ${what}: ${folder} does not exist.`, 'Choose an existing folder.');
  if (code === 'ENOTDIR') return new KilnError('io', `Kiln cannot ${what}: ${folder} is not a folder.`, 'Choose a folder.');
  return error;
}

export function diskFull(folder: string, what: string, bytes?: number): KilnError {
  const need = bytes === undefined ? '' : ` (${formatBytes(bytes)} needed)`;
  return new KilnError('io', `Kiln cannot ${what}: the disk holding ${folder} is full${need}.`, 'Free some space on that disk (or delete old backups), then try again.');
}
