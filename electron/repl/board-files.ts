import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic-file';
import { UploadMismatchError } from './errors';
import { joinBoardPath, partPath, replaceCode, type DirEntry } from './file-commands';
import type { RawRepl } from './raw-repl';

/**
 * Whole-file and whole-folder moves between this computer and a board, on top of RawRepl:
 * every upload is checked on the board afterwards (size, and SHA-256 where the firmware has
 * hashlib), folders are walked on both sides, and downloads land atomically.
 */

export interface TransferProgress {
  /** Bytes moved so far over all files. */
  done: number;
  total: number;
  /** The file being moved (board path). */
  file: string;
}

export type Verification = 'sha256' | 'size';

const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/**
 * Writes one file beside its target, checks the board's copy, then moves it over the target: a
 * transfer that fails or is cancelled leaves the old file whole (a half-written main.py would
 * break every boot). Resolves with how the copy was checked.
 */
export async function uploadVerified(
  repl: RawRepl,
  boardPath: string,
  data: Uint8Array,
  onProgress?: (written: number) => void,
  signal?: AbortSignal,
): Promise<Verification> {
  const part = partPath(boardPath);
  try {
    await repl.writeFile(part, data, { ...(onProgress ? { onProgress: (written: number) => onProgress(written) } : {}), ...(signal ? { signal } : {}) });
    const digest = await repl.digest(part);
    if (digest.size !== data.length) throw new UploadMismatchError(boardPath, `${digest.size} bytes instead of ${data.length}`);
    if (digest.sha256 !== null && digest.sha256 !== sha256Hex(data)) throw new UploadMismatchError(boardPath, 'the SHA-256 differs');
    await repl.execChecked(replaceCode(part, boardPath), `Could not put ${boardPath} in place on the board`);
    return digest.sha256 === null ? 'size' : 'sha256';
  } catch (error) {
    await repl.remove(part).catch(() => undefined);
    throw error;
  }
}

interface PlannedUpload {
  local: string;
  board: string;
  size: number;
}

interface UploadPlan {
  folders: string[];
  files: PlannedUpload[];
  totalBytes: number;
}

/** Lists what uploading `localPaths` into `boardFolder` will create, before anything is sent. */
export async function planUpload(localPaths: readonly string[], boardFolder: string): Promise<UploadPlan> {
  const plan: UploadPlan = { folders: [], files: [], totalBytes: 0 };
  const visit = async (local: string, board: string): Promise<void> => {
    const info = await stat(local);
    if (info.isDirectory()) {
      plan.folders.push(board);
      const names = (await readdir(local)).sort();
      for (const name of names) await visit(path.join(local, name), joinBoardPath(board, name));
    } else if (info.isFile()) {
      plan.files.push({ local, board, size: info.size });
      plan.totalBytes += info.size;
    }
    // Sockets, devices and the like are not files anyone means to upload.
  };
  for (const local of localPaths) await visit(local, joinBoardPath(boardFolder, path.basename(local)));
  return plan;
}

export interface UploadOutcome {
  files: { path: string; bytes: number; verified: Verification }[];
  folders: string[];
}

/** Uploads files and folders (recursively) into `boardFolder`, verifying each file. */
export async function uploadPaths(
  repl: RawRepl,
  localPaths: readonly string[],
  boardFolder: string,
  onProgress?: (progress: TransferProgress) => void,
  signal?: AbortSignal,
): Promise<UploadOutcome> {
  const plan = await planUpload(localPaths, boardFolder);
  const outcome: UploadOutcome = { files: [], folders: [] };
  for (const folder of plan.folders) {
    signal?.throwIfAborted();
    await repl.mkdir(folder, { existOk: true });
    outcome.folders.push(folder);
  }
  let before = 0;
  for (const file of plan.files) {
    signal?.throwIfAborted();
    const data = new Uint8Array(await readFile(file.local));
    const verified = await uploadVerified(repl, file.board, data, (written) => onProgress?.({ done: before + written, total: plan.totalBytes, file: file.board }), signal);
    before += data.length;
    onProgress?.({ done: before, total: plan.totalBytes, file: file.board });
    outcome.files.push({ path: file.board, bytes: data.length, verified });
  }
  return outcome;
}

/** Kind of a board path: 'file', 'dir', or null when it does not exist. */
export async function boardPathKind(repl: RawRepl, boardPath: string): Promise<'file' | 'dir' | null> {
  if (boardPath === '/' || boardPath === '') return 'dir';
  const trimmed = boardPath.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  const parent = slash <= 0 ? '/' : trimmed.slice(0, slash);
  const name = trimmed.slice(slash + 1);
  let entries: DirEntry[];
  try {
    entries = await repl.listDir(parent);
  } catch {
    return null;
  }
  return entries.find((entry) => entry.name === name)?.kind ?? null;
}

/** Copies a board file, or a folder recursively, to `localTarget`; files are written atomically. */
export async function downloadPath(
  repl: RawRepl,
  boardPath: string,
  localTarget: string,
  onProgress?: (progress: TransferProgress) => void,
  signal?: AbortSignal,
): Promise<{ files: number; bytes: number }> {
  const kind = await boardPathKind(repl, boardPath);
  if (kind === null) throw new Error(`There is no ${boardPath} on the board.`);
  const files: { board: string; local: string; size: number }[] = [];
  const folders: string[] = [];
  const walk = async (board: string, local: string): Promise<void> => {
    folders.push(local);
    for (const entry of await repl.listDir(board)) {
      const target = path.join(local, entry.name);
      if (entry.kind === 'dir') await walk(entry.path, target);
      else files.push({ board: entry.path, local: target, size: entry.size });
    }
  };
  if (kind === 'dir') await walk(boardPath, localTarget);
  else files.push({ board: boardPath, local: localTarget, size: 0 });
  const total = files.reduce((sum, file) => sum + file.size, 0);
  for (const folder of folders) await mkdir(folder, { recursive: true });
  let done = 0;
  for (const file of files) {
    signal?.throwIfAborted();
    const before = done;
    const data = await repl.readFile(file.board, { onProgress: (read) => onProgress?.({ done: before + read, total: Math.max(total, before + read), file: file.board }) });
    await writeFileAtomic(file.local, data);
    done += data.length;
  }
  return { files: files.length, bytes: done };
}
