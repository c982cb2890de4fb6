/**
 * Downloaded firmware, kept in the data directory so it can be flashed again offline.
 *
 * - Files appear under their final name only when complete and checked: they are downloaded to
 *   "<name>.part", parsed as a firmware image, hashed, then renamed.
 * - index.json records size and SHA-256 of each file (written atomically). A file whose hash no
 *   longer matches is never handed out: `read` refuses it and drops it, `ensure` downloads it again.
 * - One download per file: concurrent requests share the one in flight (each caller may still
 *   cancel its own wait; the download stops when nobody waits any more).
 * - A size cap evicts least recently used files, never one being downloaded or read.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CachedFirmware, CatalogEntry, DownloadProgress } from '../../shared/types/firmware';
import { KilnError } from '../../shared/types/errors';
import { formatBytes } from '../../shared/format';
import { ImageError, parseImage } from '../esp/image';
import { FirmwareError, abortedError } from './errors';
import { readJson, writeJsonAtomic } from './json-file';
import { downloadResumable } from './resumable-download';

export const DEFAULT_CACHE_LIMIT_BYTES = 256 * 1024 * 1024;

interface CacheIndex {
  format: 1;
  entries: Record<string, Omit<CachedFirmware, 'repaired'>>;
}

export interface FirmwareCacheOptions {
  dir: string;
  limitBytes?: number;
  fetchImpl?: typeof fetch;
  now?: () => number;
}

type ProgressListener = (progress: DownloadProgress) => void;

interface Flight {
  promise: Promise<CachedFirmware>;
  listeners: Set<ProgressListener>;
  waiting: number;
  controller: AbortController;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Catalog file names are MicroPython's (letters, digits, "_", "-", "."); anything else is refused. */
function safeFileName(name: string): string {
  if (!/^[A-Za-z0-9_.-]{1,200}\.bin$/.test(name) || name.startsWith('.')) {
    throw new FirmwareError('not-firmware', `"${name}" is not a firmware file name Kiln will store.`);
  }
  return name;
}

export class FirmwareCache {
  readonly dir: string;
  private readonly indexPath: string;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private limitBytes: number;
  private index: CacheIndex | null = null;
  /** Serialises index read-modify-write cycles. */
  private indexLock: Promise<unknown> = Promise.resolve();
  private readonly flights = new Map<string, Flight>();
  private readonly pins = new Map<string, number>();

  constructor(options: FirmwareCacheOptions) {
    this.dir = options.dir;
    this.indexPath = join(options.dir, 'index.json');
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.now = options.now ?? Date.now;
    this.limitBytes = options.limitBytes ?? DEFAULT_CACHE_LIMIT_BYTES;
  }

  async list(): Promise<CachedFirmware[]> {
    const index = await this.loadIndex();
    return Object.values(index.entries).sort((a, b) => b.lastUsedAt - a.lastUsedAt);
  }

  async get(entryId: string): Promise<CachedFirmware | undefined> {
    return (await this.loadIndex()).entries[entryId];
  }

  isDownloading(entryId: string): boolean {
    return this.flights.has(entryId);
  }

  /** Keeps a file from eviction while something uses it; call the returned function when done. */
  pin(entryId: string): () => void {
    this.pins.set(entryId, (this.pins.get(entryId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.pins.get(entryId) ?? 1) - 1;
      if (n <= 0) this.pins.delete(entryId);
      else this.pins.set(entryId, n);
    };
  }

  async setLimit(limitBytes: number): Promise<void> {
    this.limitBytes = limitBytes;
    await this.evict(null);
  }

  /**
   * The cached file for `entry`, downloading it when missing or damaged. Resolves with the
   * record; `repaired` says why a cached copy was replaced.
   */
  ensure(entry: CatalogEntry, onProgress?: ProgressListener, signal?: AbortSignal): Promise<CachedFirmware> {
    if (signal?.aborted) return Promise.reject(abortedError(`The download of ${entry.fileName}`));
    let flight = this.flights.get(entry.id);
    if (!flight) {
      const controller = new AbortController();
      const listeners = new Set<ProgressListener>();
      const created: Flight = { promise: Promise.resolve(null as never), listeners, waiting: 0, controller };
      created.promise = this.fetchOrVerify(entry, (p) => listeners.forEach((l) => l(p)), controller.signal).finally(() =>
        this.flights.delete(entry.id),
      );
      this.flights.set(entry.id, created);
      flight = created;
    }
    const current = flight;
    current.waiting += 1;
    if (onProgress) current.listeners.add(onProgress);
    return new Promise<CachedFirmware>((resolve, reject) => {
      const cleanup = () => {
        signal?.removeEventListener('abort', onAbort);
        if (onProgress) current.listeners.delete(onProgress);
      };
      const onAbort = () => {
        cleanup();
        current.waiting -= 1;
        if (current.waiting === 0) current.controller.abort();
        reject(abortedError(`The download of ${entry.fileName}`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      current.promise.then(
        (value) => {
          cleanup();
          resolve(value);
        },
        (error: unknown) => {
          cleanup();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /**
   * The bytes of a cached file, checked against the recorded SHA-256. A mismatch drops the entry
   * (so the next `ensure` downloads it again) and throws: damaged bytes are never flashed.
   */
  async read(entryId: string): Promise<{ bytes: Uint8Array; record: CachedFirmware }> {
    const release = this.pin(entryId);
    try {
      const record = await this.get(entryId);
      if (!record) {
        throw new FirmwareError('not-downloaded', `${entryId} is not downloaded yet.`, 'Download it first (it then stays available offline).');
      }
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(this.filePath(record.fileName)));
      } catch {
        await this.drop(entryId);
        throw new FirmwareError('cache-corrupt', `The downloaded copy of ${record.fileName} is missing.`, 'Download it again.');
      }
      if (bytes.length !== record.size || sha256Hex(bytes) !== record.sha256) {
        await this.drop(entryId);
        throw new FirmwareError(
          'cache-corrupt',
          `The downloaded copy of ${record.fileName} has changed on disk since it was downloaded (its SHA-256 no longer matches), so Kiln will not flash it.`,
          'Download it again; the damaged copy has been removed.',
        );
      }
      const used = { ...record, lastUsedAt: this.now() };
      await this.updateIndex((index) => {
        if (index.entries[entryId]) index.entries[entryId] = used;
      });
      return { bytes, record: used };
    } finally {
      release();
    }
  }

  /** Checks a cached file against its recorded hash without reading it into memory. */
  async verify(entryId: string): Promise<'ok' | 'missing' | 'corrupt' | 'not-cached'> {
    const record = await this.get(entryId);
    if (!record) return 'not-cached';
    try {
      const path = this.filePath(record.fileName);
      if ((await stat(path)).size !== record.size) return 'corrupt';
      return (await hashFile(path)) === record.sha256 ? 'ok' : 'corrupt';
    } catch {
      return 'missing';
    }
  }

  async remove(entryId: string): Promise<boolean> {
    if (this.flights.has(entryId)) {
      throw new KilnError('busy', `${entryId} is being downloaded; cancel the download first.`);
    }
    return this.drop(entryId);
  }

  private filePath(fileName: string): string {
    return join(this.dir, safeFileName(fileName));
  }

  private async fetchOrVerify(entry: CatalogEntry, emit: ProgressListener, signal: AbortSignal): Promise<CachedFirmware> {
    await mkdir(this.dir, { recursive: true });
    let repaired: string | undefined;
    const existing = await this.get(entry.id);
    if (existing) {
      const state = await this.verify(entry.id);
      if (state === 'ok') {
        const used = { ...existing, lastUsedAt: this.now() };
        await this.updateIndex((index) => {
          if (index.entries[entry.id]) index.entries[entry.id] = used;
        });
        return used;
      }
      repaired =
        state === 'missing'
          ? `The cached copy of ${existing.fileName} was missing; downloaded it again.`
          : `The cached copy of ${existing.fileName} was damaged (its SHA-256 no longer matched); downloaded it again.`;
      await this.drop(entry.id);
      emit({ stage: 'downloading', entryId: entry.id, done: 0, total: 0, bytesPerSecond: 0, resumedFrom: 0, message: repaired });
    }

    const fileName = safeFileName(entry.fileName);
    const finalPath = join(this.dir, fileName);
    const partPath = `${finalPath}.part`;
    await downloadResumable({
      url: entry.url,
      partPath,
      label: fileName,
      fetchImpl: this.fetchImpl,
      signal,
      onProgress: (p) =>
        emit({
          stage: 'downloading',
          entryId: entry.id,
          ...p,
          message: p.resumedFrom > 0 ? `Resuming ${fileName} from ${formatBytes(p.resumedFrom)}` : `Downloading ${fileName}`,
        }),
    });

    const bytes = new Uint8Array(await readFile(partPath));
    try {
      parseImage(bytes);
    } catch (error) {
      await rm(partPath, { force: true });
      if (error instanceof ImageError) {
        throw new FirmwareError('not-firmware', `The file downloaded as ${fileName} is not usable: ${error.message}`, 'Try again later or choose another build.');
      }
      throw error;
    }
    const sha256 = sha256Hex(bytes);
    if (entry.sha256 && entry.sha256.toLowerCase() !== sha256) {
      await rm(partPath, { force: true });
      throw new FirmwareError(
        'hash-mismatch',
        `${fileName} arrived with SHA-256 ${sha256.slice(0, 12)}…, not the ${entry.sha256.slice(0, 12)}… the catalog lists.`,
        'Try again; if it persists, refresh the firmware list.',
      );
    }
    await rename(partPath, finalPath);
    const now = this.now();
    const record: CachedFirmware = { entryId: entry.id, fileName, size: bytes.length, sha256, downloadedAt: now, lastUsedAt: now };
    await this.updateIndex((index) => {
      index.entries[entry.id] = record;
    });
    await this.evict(entry.id);
    return repaired ? { ...record, repaired } : record;
  }

  /** Removes least recently used files until the cache fits its cap; skips busy and `keep`. */
  private async evict(keep: string | null): Promise<void> {
    const victims: CachedFirmware[] = [];
    await this.updateIndex((index) => {
      const records = Object.values(index.entries).sort((a, b) => a.lastUsedAt - b.lastUsedAt);
      let total = records.reduce((n, r) => n + r.size, 0);
      for (const r of records) {
        if (total <= this.limitBytes) break;
        if (r.entryId === keep || this.pins.has(r.entryId) || this.flights.has(r.entryId)) continue;
        victims.push(r);
        delete index.entries[r.entryId];
        total -= r.size;
      }
    });
    for (const v of victims) await rm(this.filePath(v.fileName), { force: true });
  }

  private async drop(entryId: string): Promise<boolean> {
    let removed: CachedFirmware | undefined;
    await this.updateIndex((index) => {
      removed = index.entries[entryId];
      delete index.entries[entryId];
    });
    if (removed) await rm(this.filePath(removed.fileName), { force: true });
    return removed !== undefined;
  }

  private async loadIndex(): Promise<CacheIndex> {
    if (this.index) return this.index;
    const stored = (await readJson(this.indexPath)) as Partial<CacheIndex> | null;
    this.index =
      stored && stored.format === 1 && typeof stored.entries === 'object' && stored.entries !== null
        ? { format: 1, entries: stored.entries }
        : { format: 1, entries: {} };
    return this.index;
  }

  private updateIndex(change: (index: CacheIndex) => void): Promise<void> {
    const run = this.indexLock.then(async () => {
      const index = await this.loadIndex();
      change(index);
      await mkdir(this.dir, { recursive: true });
      await writeJsonAtomic(this.indexPath, index);
    });
    this.indexLock = run.catch(() => undefined);
    return run;
  }
}
