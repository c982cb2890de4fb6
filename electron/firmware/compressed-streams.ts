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
 * - In two passes by default: a quick one (seconds; `<sha256>.quick.zlib`) handed out until the
 *   thorough one (tens of seconds; `<sha256>.zlib`) replaces it, so the next board already gets
 *   most of the gain.
 * - Bounded: the least recently used files go beyond `maxEntries` files or `maxBytes` in all.
 * - Not made for small data (`minBytes`) or data zlib cannot shrink (random-like: nothing to gain).
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflate, inflate } from 'node:zlib';
import { writeFileAtomic } from '../fs/atomic-file';
import { QUICK_ZOPFLI_SETTINGS, zopfliCompress } from './zopfli';

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
  /**
   * A faster first pass whose stream is kept and handed out until `compress`'s replaces it.
   * Default: zopfli with QUICK_ZOPFLI_SETTINGS when `compress` is the default too; none when a
   * `compress` is given (null: none).
   */
  quickCompress?: StreamCompressor | null;
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
const QUICK_SUFFIX = '.quick.zlib';
const KEY = /^[0-9a-f]{64}$/;

/** The key a stream file is named after (either pass), or null for any other file. */
function keyOfFile(name: string): string | null {
  const suffix = [QUICK_SUFFIX, FILE_SUFFIX].find((end) => name.endsWith(end));
  const key = suffix ? name.slice(0, -suffix.length) : null;
  return key !== null && KEY.test(key) ? key : null;
}
/** Temporary files of an atomic write that a crash left behind are removed once this old. */
const STALE_TEMP_MS = 10 * 60 * 1000;

export function streamKey(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export class CompressedStreamStore {
  readonly dir: string;
  private readonly compress: StreamCompressor;
  private readonly quickCompress: StreamCompressor | null;
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
    this.quickCompress = options.quickCompress !== undefined ? options.quickCompress : options.compress ? null : (data) => zopfliCompress(data, QUICK_ZOPFLI_SETTINGS);
    this.maxEntries = options.maxEntries ?? 24;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.minBytes = options.minBytes ?? 64 * 1024;
    this.maxQueued = options.maxQueued ?? 4;
    this.onWarning = options.onWarning ?? (() => undefined);
    this.now = options.now ?? Date.now;
  }

  /**
   * The hook writeFlash takes (WriteFlashOptions.compressedStream): the stored stream for exactly
   * these bytes (the thorough pass's, else the quick one's), or null. Unless the thorough one is
   * stored, it is started in the background for the next write.
   */
  readonly streamFor = async (data: Uint8Array): Promise<Uint8Array | null> => {
    const key = streamKey(data);
    const found = await this.find(key, data);
    if (!found?.thorough) void this.prepareKeyed(key, data);
    return found?.stream ?? null;
  };

  /** The stored stream for `data` (the thorough pass's, else the quick one's), checked; null when there is none (or it was damaged and removed). */
  async get(data: Uint8Array): Promise<Uint8Array | null> {
    return (await this.find(streamKey(data), data))?.stream ?? null;
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
      if (await this.exists(this.pathOf(key))) return;
      if ((await deflateAsync(data, { level: 1 })).length > data.length * INCOMPRESSIBLE_RATIO) return;
    } catch (error) {
      this.onWarning(`Kiln could not make a smaller compressed copy of a ${data.length}-byte image (${(error as Error).message}); writes use zlib for it.`);
      return;
    }
    // The quick pass is only a head start: if it fails, the thorough one still runs (and warns if it fails too).
    if (this.quickCompress && !(await this.exists(this.quickPathOf(key)))) {
      await this.keep(key, this.quickPathOf(key), data, this.quickCompress).catch(() => undefined);
    }
    if (this.closed) return;
    try {
      await this.keep(key, this.pathOf(key), data, this.compress);
      await rm(this.quickPathOf(key), { force: true });
    } catch (error) {
      const fallback = (await this.exists(this.quickPathOf(key))) ? 'writes use the quicker stream made first' : 'writes use zlib for it';
      this.onWarning(`Kiln could not make a smaller compressed copy of a ${data.length}-byte image (${(error as Error).message}); ${fallback}.`);
    }
  }

  /** Makes a stream with `compress`, checks it, and writes it to `path` atomically. */
  private async keep(key: string, path: string, data: Uint8Array, compress: StreamCompressor): Promise<void> {
    const stream = await compress(data);
    // Never stored unchecked: what is on disk must inflate to exactly these bytes.
    if (!(await inflatesTo(stream, data))) throw new Error('its output does not inflate back to the image');
    await writeFileAtomic(path, stream);
    await this.evict(key);
  }

  /** The thorough pass's stream if stored, else the quick pass's. */
  private async find(key: string, data: Uint8Array): Promise<{ stream: Uint8Array; thorough: boolean } | null> {
    const thorough = await this.read(this.pathOf(key), data);
    if (thorough) return { stream: thorough, thorough: true };
    const quick = await this.read(this.quickPathOf(key), data);
    return quick ? { stream: quick, thorough: false } : null;
  }

  private async read(path: string, data: Uint8Array): Promise<Uint8Array | null> {
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

  private async exists(path: string): Promise<boolean> {
    try {
      return (await stat(path)).isFile();
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
    const files: { name: string; key: string; size: number; usedAt: number }[] = [];
    for (const name of names) {
      const info = await stat(join(this.dir, name)).catch(() => null);
      if (!info?.isFile()) continue;
      if (name.startsWith('.') && name.endsWith('.tmp')) {
        if (this.now() - info.mtimeMs > STALE_TEMP_MS) await rm(join(this.dir, name), { force: true });
        continue;
      }
      const key = keyOfFile(name);
      if (key) files.push({ name, key, size: info.size, usedAt: info.mtimeMs });
    }
    files.sort((a, b) => b.usedAt - a.usedAt);
    let count = 0;
    let bytes = 0;
    for (const file of [...files.filter((f) => f.key === keep), ...files.filter((f) => f.key !== keep)]) {
      count += 1;
      bytes += file.size;
      if (file.key !== keep && (count > this.maxEntries || bytes > this.maxBytes)) {
        await rm(join(this.dir, file.name), { force: true });
        count -= 1;
        bytes -= file.size;
      }
    }
  }

  private pathOf(key: string): string {
    return join(this.dir, `${key}${FILE_SUFFIX}`);
  }

  private quickPathOf(key: string): string {
    return join(this.dir, `${key}${QUICK_SUFFIX}`);
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
