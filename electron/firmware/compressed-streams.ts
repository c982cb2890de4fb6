/**
 * Better-compressed copies of the exact bytes Kiln writes, kept on disk so the next board (a
 * classroom writes one image to every board) gets fewer bytes on the wire than zlib level 9 gives.
 *
 * - Keyed by the SHA-256 of the final bytes written (after any header patch and word padding):
 *   the engine asks with those bytes, so a stream can only ever be found for what it inflates to.
 * - One file per image, `<sha256>.zlib`, written atomically; every read inflates the file and
 *   compares it with the bytes asked for, so a damaged, truncated or foreign file is deleted and
 *   never handed out.
 * - Made in the background, one at a time (zopfli in a worker thread): `prepare` queues an image,
 *   and the write hook queues the bytes it is asked about when it has no stream for them yet.
 * - Bounded: the least recently used files go beyond `maxEntries` files or `maxBytes` in all.
 * - Not made for small data (`minBytes`) or data zlib cannot shrink (random-like: nothing to gain).
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflate, inflate } from 'node:zlib';
import { writeFileAtomic } from '../fs/atomic-file';
import { zopfliCompress } from './zopfli';

const inflateAsync = promisify(inflate);
const deflateAsync = promisify(deflate);

/**
 * Data that zlib's fastest level cannot shrink below this share of its size (already compressed
 * or encrypted) gains nothing from zopfli either; seconds of CPU are not spent on it.
 */
const INCOMPRESSIBLE_RATIO = 0.97;

/** Makes a zlib stream of `data` (zopfli in a worker by default; tests inject their own). */
export type StreamCompressor = (data: Uint8Array) => Promise<Uint8Array>;

export interface CompressedStreamStoreOptions {
  dir: string;
  compress?: StreamCompressor;
  /** Most files kept (default 24: a few firmware versions for a few chips, with header variants). */
  maxEntries?: number;
  /** Most bytes kept in all (default 64 MiB). */
  maxBytes?: number;
  /**
   * Smaller data is not worth a worker (default 64 KiB): zopfli saves a few percent of it, a few
   * tens of milliseconds on the wire.
   */
  minBytes?: number;
  /** Most images waiting to be compressed; more requests are dropped until the queue drains (default 4). */
  maxQueued?: number;
  /** Told when a stream could not be made or a stored file was damaged (never thrown). */
  onWarning?: (message: string) => void;
  now?: () => number;
}

const FILE_SUFFIX = '.zlib';
const KEY = /^[0-9a-f]{64}$/;
/** Temporary files of an atomic write that a crash left behind are removed once this old. */
const STALE_TEMP_MS = 10 * 60 * 1000;

export function streamKey(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export class CompressedStreamStore {
  readonly dir: string;
  private readonly compress: StreamCompressor;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly minBytes: number;
  private readonly maxQueued: number;
  private readonly onWarning: (message: string) => void;
  private readonly now: () => number;
  /** Images queued or being compressed, by key: each is made once however often it is asked for. */
  private readonly pending = new Map<string, Promise<void>>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(options: CompressedStreamStoreOptions) {
    this.dir = options.dir;
    this.compress = options.compress ?? ((data) => zopfliCompress(data));
    this.maxEntries = options.maxEntries ?? 24;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.minBytes = options.minBytes ?? 64 * 1024;
    this.maxQueued = options.maxQueued ?? 4;
    this.onWarning = options.onWarning ?? (() => undefined);
    this.now = options.now ?? Date.now;
  }

  /**
   * The hook writeFlash takes (WriteFlashOptions.compressedStream): the stored stream for exactly
   * these bytes, or null, in which case one is started in the background for the next write.
   */
  readonly streamFor = async (data: Uint8Array): Promise<Uint8Array | null> => {
    const key = streamKey(data);
    const stream = await this.read(key, data);
    if (!stream) void this.prepareKeyed(key, data);
    return stream;
  };

  /** The stored stream for `data`, checked; null when there is none (or it was damaged and removed). */
  async get(data: Uint8Array): Promise<Uint8Array | null> {
    return this.read(streamKey(data), data);
  }

  /**
   * Makes and stores the stream for `data` unless it is stored, queued or too small. Resolves
   * when it is done (or was skipped or failed, which is told to onWarning): it never rejects.
   */
  prepare(data: Uint8Array): Promise<void> {
    return this.prepareKeyed(streamKey(data), data);
  }

  /** Resolves when nothing is queued or being compressed. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending.values()]);
  }

  /** True while a stream is queued or being made. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Stops taking work; queued images are dropped (the one being compressed finishes in its worker, unref'd). */
  close(): void {
    this.closed = true;
  }

  private prepareKeyed(key: string, data: Uint8Array): Promise<void> {
    if (this.closed || data.length < this.minBytes) return Promise.resolve();
    const existing = this.pending.get(key);
    if (existing) return existing;
    if (this.pending.size >= this.maxQueued) return Promise.resolve();
    // Held until the worker has it: the caller may reuse its buffer.
    const copy = new Uint8Array(data);
    const job = this.queue.then(() => this.make(key, copy)).finally(() => this.pending.delete(key));
    this.queue = job;
    this.pending.set(key, job);
    return job;
  }

  private async make(key: string, data: Uint8Array): Promise<void> {
    if (this.closed) return;
    try {
      if (await this.exists(key)) return;
      if ((await deflateAsync(data, { level: 1 })).length > data.length * INCOMPRESSIBLE_RATIO) return;
      const stream = await this.compress(data);
      // Never stored unchecked: what is on disk must inflate to exactly these bytes.
      if (!(await inflatesTo(stream, data))) throw new Error('its output does not inflate back to the image');
      await writeFileAtomic(this.pathOf(key), stream);
      await this.evict(key);
    } catch (error) {
      this.onWarning(`Kiln could not make a smaller compressed copy of a ${data.length}-byte image (${(error as Error).message}); writes use zlib for it.`);
    }
  }

  private async read(key: string, data: Uint8Array): Promise<Uint8Array | null> {
    const path = this.pathOf(key);
    let stream: Uint8Array;
    try {
      stream = new Uint8Array(await readFile(path));
    } catch {
      return null;
    }
    if (!(await inflatesTo(stream, data))) {
      this.onWarning(`A stored compressed copy of a ${data.length}-byte image was damaged and has been removed; it will be made again.`);
      await rm(path, { force: true });
      return null;
    }
    // Most recently used: evicted last.
    const at = new Date(this.now());
    await utimes(path, at, at).catch(() => undefined);
    return stream;
  }

  private async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch {
      return false;
    }
  }

  /** Keeps the newest files within both bounds (never `keep`, just written) and clears stale temporaries. */
  private async evict(keep: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    const files: { name: string; size: number; usedAt: number }[] = [];
    for (const name of names) {
      const info = await stat(join(this.dir, name)).catch(() => null);
      if (!info?.isFile()) continue;
      if (name.startsWith('.') && name.endsWith('.tmp')) {
        if (this.now() - info.mtimeMs > STALE_TEMP_MS) await rm(join(this.dir, name), { force: true });
        continue;
      }
      if (name.endsWith(FILE_SUFFIX) && KEY.test(name.slice(0, -FILE_SUFFIX.length))) files.push({ name, size: info.size, usedAt: info.mtimeMs });
    }
    files.sort((a, b) => b.usedAt - a.usedAt);
    const keepName = `${keep}${FILE_SUFFIX}`;
    let count = 0;
    let bytes = 0;
    for (const file of [...files.filter((f) => f.name === keepName), ...files.filter((f) => f.name !== keepName)]) {
      count += 1;
      bytes += file.size;
      if (file.name !== keepName && (count > this.maxEntries || bytes > this.maxBytes)) {
        await rm(join(this.dir, file.name), { force: true });
        count -= 1;
        bytes -= file.size;
      }
    }
  }

  private pathOf(key: string): string {
    return join(this.dir, `${key}${FILE_SUFFIX}`);
  }
}

/** True when `stream` is a complete zlib stream of exactly `data`. */
async function inflatesTo(stream: Uint8Array, data: Uint8Array): Promise<boolean> {
  try {
    const inflated = await inflateAsync(stream, { maxOutputLength: data.length + 1 });
    return inflated.length === data.length && Buffer.compare(inflated, data) === 0;
  } catch {
    return false;
  }
}
