/**
 * Firmware files the user picked from disk. Kiln COPIES each one into its data directory instead
 * of remembering the path: the user may move, rename or rebuild the file between "add" and
 * "flash" (or between boards of a classroom run), and the bytes that were checked, hashed and
 * shown must be the bytes that get written. The copy is named by its SHA-256, so adding the same
 * file twice keeps one copy, and is checked against that hash before every use.
 */
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { LocalImage } from '../../shared/types/firmware';
import { formatBytes } from '../../shared/format';
import { ImageError, parseImage } from '../esp/image';
import { sha256Hex } from './cache';
import { FirmwareError } from './errors';
import { readJson, writeFileAtomic, writeJsonAtomic } from './json-file';
import { summarizeImage } from './image-summary';
import { MAX_FIRMWARE_BYTES } from './resumable-download';

interface LocalIndex {
  format: 1;
  images: LocalImage[];
}

export class LocalImages {
  private readonly dir: string;
  private readonly indexPath: string;
  private readonly now: () => number;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(options: { dir: string; now?: () => number }) {
    this.dir = options.dir;
    this.indexPath = join(options.dir, 'index.json');
    this.now = options.now ?? Date.now;
  }

  async list(): Promise<LocalImage[]> {
    return (await this.load()).images;
  }

  async get(id: string): Promise<LocalImage | undefined> {
    return (await this.load()).images.find((i) => i.id === id);
  }

  /** Checks the file is a firmware image, copies it in, and records it. */
  async add(path: string): Promise<LocalImage> {
    const name = basename(path);
    let bytes: Uint8Array;
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new FirmwareError('local-file', `${name} is not a file.`);
      if (info.size > MAX_FIRMWARE_BYTES) {
        throw new FirmwareError('too-large', `${name} is ${formatBytes(info.size)}, larger than any board's flash; it is not a firmware image.`);
      }
      bytes = new Uint8Array(await readFile(path));
    } catch (error) {
      if (error instanceof FirmwareError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new FirmwareError(
        'local-file',
        code === 'ENOENT' ? `${name} does not exist (any more).` : `Kiln could not read ${name} (${code ?? 'error'}).`,
        'Choose the file again.',
      );
    }
    let summary;
    try {
      summary = summarizeImage(parseImage(bytes));
    } catch (error) {
      if (error instanceof ImageError) throw new FirmwareError('not-firmware', `${name}: ${error.message}`);
      throw error;
    }
    const sha256 = sha256Hex(bytes);
    const id = `local-${sha256.slice(0, 16)}`;
    return this.locked(async () => {
      const index = await this.load();
      const existing = index.images.find((i) => i.id === id);
      if (existing) return existing;
      await mkdir(this.dir, { recursive: true });
      // Write the very bytes that were parsed and hashed (not a second read of the path, which
      // could have changed meanwhile), through a temporary name.
      await writeFileAtomic(this.filePath(id), bytes);
      const image: LocalImage = { id, name, originalPath: path, size: bytes.length, sha256, addedAt: this.now(), summary };
      index.images.push(image);
      await writeJsonAtomic(this.indexPath, index);
      return image;
    });
  }

  async remove(id: string): Promise<boolean> {
    return this.locked(async () => {
      const index = await this.load();
      const before = index.images.length;
      index.images = index.images.filter((i) => i.id !== id);
      if (index.images.length === before) return false;
      await writeJsonAtomic(this.indexPath, index);
      await rm(this.filePath(id), { force: true });
      return true;
    });
  }

  /** The copy's bytes, refused if they no longer match the recorded hash. */
  async read(id: string): Promise<{ bytes: Uint8Array; image: LocalImage }> {
    const image = await this.get(id);
    if (!image) throw new FirmwareError('unknown-entry', `There is no local image ${id}.`, 'Add the file again.');
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(this.filePath(id)));
    } catch {
      throw new FirmwareError('cache-corrupt', `Kiln's copy of ${image.name} is missing.`, 'Remove it from the list and add the file again.');
    }
    if (sha256Hex(bytes) !== image.sha256) {
      throw new FirmwareError(
        'cache-corrupt',
        `Kiln's copy of ${image.name} has changed on disk (its SHA-256 no longer matches), so Kiln will not flash it.`,
        'Remove it from the list and add the file again.',
      );
    }
    return { bytes, image };
  }

  private filePath(id: string): string {
    if (!/^local-[0-9a-f]{16}$/.test(id)) throw new FirmwareError('unknown-entry', `There is no local image ${id}.`);
    return join(this.dir, `${id}.bin`);
  }

  private async load(): Promise<LocalIndex> {
    const stored = (await readJson(this.indexPath)) as Partial<LocalIndex> | null;
    return stored && stored.format === 1 && Array.isArray(stored.images) ? { format: 1, images: stored.images } : { format: 1, images: [] };
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}
