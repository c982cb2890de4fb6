/**
 * The backup library: one folder, two files per backup, `<id>.bin` (the flash bytes) and
 * `<id>.json` (what they are). The metadata is written last and is what makes an entry exist, so
 * a backup that failed or was cancelled half way leaves nothing that looks complete. Both files are
 * written atomically (electron/fs/atomic-file.ts), an id is never reused and no file is ever
 * written over: a backup, once made, only changes its label.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, statfs } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { CHIP_FAMILIES } from '../../../shared/types/chips';
import type { BackupEntry, BackupExportResult } from '../../../shared/types/backups';
import { KilnError } from '../../../shared/types/errors';
import { writeFileAtomic } from '../../fs/atomic-file';
import { guessFirmware } from './firmware-guess';
import { diskFull, storageError } from './storage-errors';

/** The largest flash Kiln knows (64 MiB): an import bigger than that is not a flash image. */
export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
/** Room kept free beyond the image itself (metadata, the file system's own needs). */
const SPARE_BYTES = 1024 * 1024;

/** How the library learns whether its folder can take a file; tests stand in for a read-only or full disk. */
export interface StorageProbe {
  /** Bytes this process may still write on the disk holding `dir`. */
  freeBytes(dir: string): Promise<number>;
  /** Throws what the operating system throws when `dir` cannot take a new file. */
  probeWrite(dir: string): Promise<void>;
}

export const nodeStorageProbe: StorageProbe = {
  async freeBytes(dir) {
    const info = await statfs(dir);
    return Number(info.bavail) * Number(info.bsize);
  },
  async probeWrite(dir) {
    const probe = join(dir, `.kiln-write-test-${randomBytes(4).toString('hex')}`);
    const handle = await open(probe, 'wx');
    await handle.close();
    await rm(probe, { force: true });
  },
};

const flashInfo = z.object({
  manufacturerId: z.number(),
  deviceId: z.number(),
  vendor: z.string(),
  model: z.string().nullable(),
  sizeBytes: z.number().nullable(),
});

const storedEntry = z.object({
  id: z.string(),
  label: z.string(),
  chip: z.enum(CHIP_FAMILIES),
  chipDescription: z.string().nullable(),
  mac: z.string().nullable(),
  flash: flashInfo.nullable(),
  flashSizeBytes: z.number().nullable(),
  region: z.object({ offset: z.number().int().min(0), size: z.number().int().min(1) }),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  md5: z.string().regex(/^[0-9a-f]{32}$/),
  createdAt: z.string(),
  firmware: z.object({ kind: z.enum(['micropython', 'empty', 'other', 'unknown']), version: z.string().nullable(), summary: z.string() }),
  origin: z.enum(['device', 'imported']),
});

const ID_PATTERN = /^bk-[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$/;

/** What the caller knows about new bytes; the library adds the id, hashes, date and firmware guess. */
export type NewBackup = Omit<BackupEntry, 'id' | 'sha256' | 'md5' | 'createdAt' | 'firmware'>;

export interface BackupLibraryOptions {
  dir: string;
  now?: () => Date;
  storage?: StorageProbe;
}

export class BackupLibrary {
  readonly dir: string;
  private readonly now: () => Date;
  private readonly storage: StorageProbe;

  constructor(options: BackupLibraryOptions) {
    this.dir = options.dir;
    this.now = options.now ?? (() => new Date());
    this.storage = options.storage ?? nodeStorageProbe;
  }

  /**
   * Refuses early (before minutes of reading) when the folder cannot take `bytes` more: read-only,
   * no permission, or not enough free space.
   */
  async ensureRoom(bytes: number): Promise<void> {
    const what = 'save the backup';
    try {
      await mkdir(this.dir, { recursive: true });
      await this.storage.probeWrite(this.dir);
    } catch (error) {
      throw storageError(error, this.dir, what);
    }
    let free: number;
    try {
      free = await this.storage.freeBytes(this.dir);
    } catch {
      return; // The file system cannot tell; the write itself will say if it is full.
    }
    if (free < bytes + SPARE_BYTES) throw diskFull(this.dir, what, bytes);
  }

  /** Stores new bytes as a backup; returns its entry. Nothing is listed until both files are complete. */
  async add(bytes: Uint8Array, fields: NewBackup): Promise<BackupEntry> {
    await this.ensureRoom(bytes.length);
    const id = await this.freshId();
    const entry: BackupEntry = {
      ...fields,
      id,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      md5: createHash('md5').update(bytes).digest('hex'),
      createdAt: this.now().toISOString(),
      firmware: guessFirmware(bytes, fields.chip, fields.region.offset),
    };
    try {
      await writeFileAtomic(this.imagePath(id), bytes);
      await writeFileAtomic(this.metadataPath(id), json(entry));
    } catch (error) {
      await rm(this.imagePath(id), { force: true });
      throw storageError(error, this.dir, 'save the backup', bytes.length);
    }
    return entry;
  }

  /** Complete entries, newest first; `query` matches label, MAC or chip (case-insensitive). */
  async list(query?: string): Promise<BackupEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storageError(error, this.dir, 'read the backup library');
    }
    const entries: BackupEntry[] = [];
    for (const name of names) {
      if (!name.endsWith('.json') || !ID_PATTERN.test(name.slice(0, -5))) continue;
      const entry = await this.readEntry(name.slice(0, -5));
      if (entry) entries.push(entry);
    }
    const needle = query?.trim().toLowerCase();
    const matching = needle
      ? entries.filter((entry) => [entry.label, entry.mac ?? '', entry.chip, entry.chipDescription ?? ''].some((text) => text.toLowerCase().includes(needle)))
      : entries;
    return matching.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  async get(id: string): Promise<BackupEntry> {
    const entry = ID_PATTERN.test(id) ? await this.readEntry(id) : null;
    if (!entry) throw new KilnError('not-found', 'That backup is not in the library (it may have been deleted).', 'Refresh the list.');
    return entry;
  }

  /** The image bytes, checked against the SHA-256 recorded when they were saved. */
  async readImage(id: string): Promise<{ entry: BackupEntry; bytes: Uint8Array }> {
    const entry = await this.get(id);
    const bytes = new Uint8Array(await readFile(this.imagePath(id)));
    if (createHash('sha256').update(bytes).digest('hex') !== entry.sha256) {
      throw new KilnError('io', `The backup "${entry.label}" is damaged on disk (its SHA-256 no longer matches).`, 'Restore another backup, or import a good copy of the image.');
    }
    return { entry, bytes };
  }

  async rename(id: string, label: string): Promise<BackupEntry> {
    const entry = { ...(await this.get(id)), label: label.trim() };
    try {
      await writeFileAtomic(this.metadataPath(id), json(entry));
    } catch (error) {
      throw storageError(error, this.dir, 'rename the backup');
    }
    return entry;
  }

  /** Removes the metadata first, so a crash in between leaves an unlisted image, never a listed entry without one. */
  async remove(id: string): Promise<void> {
    await this.get(id);
    try {
      await rm(this.metadataPath(id), { force: true });
      await rm(this.imagePath(id), { force: true });
    } catch (error) {
      throw storageError(error, this.dir, 'delete the backup');
    }
  }

  /** Copies image and metadata into `folder` under readable names; an existing file there gets a numbered sibling instead. */
  async exportTo(id: string, folder: string): Promise<BackupExportResult> {
    const { entry } = await this.readImage(id);
    const what = `export to ${folder}`;
    try {
      if (!(await stat(folder)).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
      const stem = await freeStem(folder, exportStem(entry));
      const imagePath = join(folder, `${stem}.bin`);
      const metadataPath = join(folder, `${stem}.json`);
      const temp = join(folder, `.${stem}.${randomBytes(4).toString('hex')}.tmp`);
      try {
        await copyFile(this.imagePath(id), temp, constants.COPYFILE_EXCL);
        await rename(temp, imagePath);
      } finally {
        await rm(temp, { force: true });
      }
      await writeFileAtomic(metadataPath, json(entry));
      return { imagePath, metadataPath };
    } catch (error) {
      throw storageError(error, folder, what);
    }
  }

  /** Adds a raw image file with the metadata the user entered. */
  async importFile(path: string, fields: Pick<NewBackup, 'label' | 'chip' | 'mac'> & { offset: number }): Promise<BackupEntry> {
    let size: number;
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new KilnError('io', `${path} is not a file.`, 'Choose the image file itself.');
      size = info.size;
    } catch (error) {
      throw storageError(error, path, `read ${basename(path)}`);
    }
    if (size === 0) throw new KilnError('io', `${basename(path)} is empty.`, 'Choose a flash image (a .bin file read from a board).');
    if (size > MAX_IMAGE_BYTES) throw new KilnError('io', `${basename(path)} is ${Math.round(size / 1024 / 1024)} MB, more than any ESP flash holds (64 MB).`, 'Choose a flash image.');
    const bytes = new Uint8Array(await readFile(path));
    return this.add(bytes, {
      label: fields.label,
      chip: fields.chip,
      chipDescription: null,
      mac: fields.mac?.toLowerCase() ?? null,
      flash: null,
      flashSizeBytes: null,
      region: { offset: fields.offset, size: bytes.length },
      origin: 'imported',
    });
  }

  imagePath(id: string): string {
    return join(this.dir, `${id}.bin`);
  }

  private metadataPath(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  /** A listed entry needs readable metadata and an image of the recorded size. */
  private async readEntry(id: string): Promise<BackupEntry | null> {
    try {
      const parsed = storedEntry.safeParse(JSON.parse(await readFile(this.metadataPath(id), 'utf8')));
      if (!parsed.success || parsed.data.id !== id) return null;
      const image = await stat(this.imagePath(id));
      return image.size === parsed.data.region.size ? parsed.data : null;
    } catch {
      return null;
    }
  }

  private async freshId(): Promise<string> {
    const stamp = this.now().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    for (;;) {
      const id = `bk-${stamp}-${randomBytes(3).toString('hex')}`;
      const taken = await Promise.all([exists(this.imagePath(id)), exists(this.metadataPath(id))]);
      if (!taken.some(Boolean)) return id;
    }
  }
}

function json(entry: BackupEntry): string {
  return `${JSON.stringify(entry, null, 2)}\n`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** "kiln-esp32-24-0a-c4-ab-cd-ef-2026-12-01-factory-image": readable, safe on every file system. */
function exportStem(entry: BackupEntry): string {
  const slug = entry.label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 48);
  const mac = entry.mac ? `-${entry.mac.replace(/:/g, '-')}` : '';
  return `kiln-${entry.chip}${mac}-${entry.createdAt.slice(0, 10)}${slug ? `-${slug}` : ''}`;
}

async function freeStem(folder: string, stem: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? stem : `${stem}-${n}`;
    const taken = await Promise.all([exists(join(folder, `${candidate}.bin`)), exists(join(folder, `${candidate}.json`))]);
    if (!taken.some(Boolean)) return candidate;
  }
}
