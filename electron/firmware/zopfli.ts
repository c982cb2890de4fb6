/**
 * Zopfli compression in a worker thread: a zlib stream that any inflater (the flasher stub, the
 * ESP32 ROM, Node's zlib) accepts, typically 3–6 % smaller than zlib level 9 on compiled
 * firmware, for seconds of CPU per image. Each call gets its own short-lived worker (its
 * WebAssembly heap, tens of MB for a large image, is freed when it exits).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { moduleDirectory, unpackedPath } from '../fs/module-files';
import { Worker } from 'node:worker_threads';

export const ZOPFLI_WORKER_FILE_NAME = 'zopfli-worker.mjs';

export interface ZopfliSettings {
  /** Forward/backward passes per block; zopfli's default is 15. More: slower, rarely smaller. */
  numiterations: number;
  blocksplitting: boolean;
  /** Most deflate blocks to split into (0: unlimited). */
  blocksplittingmax: number;
}

/**
 * More deflate blocks (each with Huffman codes fitted to its part of the image) is what pays most
 * on firmware, where code and tables alternate; iterations add a little once splitting is
 * unlimited. Measured on the bench's 600,888-byte ESP8266 image against Node's zlib 9 (400,225 B),
 * one core: 60 blocks / 15 iterations 0.954x in 5 s; unlimited / 15: 0.9503x in 15 s; unlimited /
 * 60: 0.94999x in 21 s; unlimited / 100: 0.94991x (380,179 B) in 26 s. The 1.5 MB ESP32 image:
 * 0.953x in 51 s. The stream is made once per image, in a worker, and kept; a quick pass
 * (QUICK_ZOPFLI_SETTINGS) is kept first, so writes use zlib 9 only for its few seconds.
 */
export const DEFAULT_ZOPFLI_SETTINGS: ZopfliSettings = { numiterations: 100, blocksplitting: true, blocksplittingmax: 0 };

/** The quick first pass (compressed-streams.ts): most of the gain (0.954x) in a fifth of the time. */
export const QUICK_ZOPFLI_SETTINGS: ZopfliSettings = { numiterations: 15, blocksplitting: true, blocksplittingmax: 60 };

/**
 * Zopfli takes about 4 s per MB at 15 iterations on a slow core; the deadline allows ten times
 * that (a machine busy with other work), so only a worker that hangs is stopped.
 */
export function zopfliDeadlineMs(bytes: number, settings: ZopfliSettings): number {
  return 30_000 + Math.ceil((bytes / (1024 * 1024)) * 40_000 * Math.max(1, settings.numiterations / 15));
}

export class ZopfliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZopfliError';
  }
}

/** This module's folder (source or bundle). */
const thisModuleDirectory = (): string | undefined => moduleDirectory(import.meta.url, typeof __dirname === 'string' ? __dirname : undefined);

/**
 * The worker script: beside this module (source: electron/firmware/; bundles: dist/electron/,
 * where the build copies it). Inside a packaged app.asar the unpacked copy is used, because
 * worker threads cannot start a script from inside the archive.
 */
export function resolveZopfliWorkerPath(): string {
  const here = thisModuleDirectory();
  const candidates = [...(here ? [join(here, ZOPFLI_WORKER_FILE_NAME)] : []), join(process.cwd(), 'electron', 'firmware', ZOPFLI_WORKER_FILE_NAME)];
  const found = candidates.map(unpackedPath).find((path) => existsSync(path));
  if (!found) throw new ZopfliError(`The zopfli worker (${ZOPFLI_WORKER_FILE_NAME}) is missing from this installation (looked in ${candidates.join(', ')}).`);
  return found;
}

/**
 * The zopfli zlib stream of `data`. Rejects with a ZopfliError when the worker fails, exits
 * early or outlasts its deadline (it is then stopped); `signal` stops it too.
 */
export function zopfliCompress(data: Uint8Array, settings: ZopfliSettings = DEFAULT_ZOPFLI_SETTINGS, signal?: AbortSignal): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new ZopfliError('Compression was cancelled.'));
      return;
    }
    let worker: Worker;
    try {
      worker = new Worker(resolveZopfliWorkerPath(), { workerData: { data, ...settings } });
    } catch (error) {
      reject(error instanceof ZopfliError ? error : new ZopfliError(`The zopfli worker could not start: ${(error as Error).message}`));
      return;
    }
    // Never the reason the app (or the CLI) stays running.
    worker.unref();
    let settled = false;
    const finish = (outcome: Uint8Array | ZopfliError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (outcome instanceof Uint8Array) resolve(outcome);
      else reject(outcome);
    };
    const deadlineMs = zopfliDeadlineMs(data.length, settings);
    const deadline = setTimeout(() => finish(new ZopfliError(`Zopfli did not finish ${data.length} bytes within ${Math.round(deadlineMs / 1000)} s; stopped it.`)), deadlineMs);
    deadline.unref();
    const onAbort = (): void => finish(new ZopfliError('Compression was cancelled.'));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (message: { stream?: Uint8Array; error?: string }) => {
      finish(message.stream instanceof Uint8Array ? message.stream : new ZopfliError(`Zopfli failed: ${message.error ?? 'no output'}`));
    });
    worker.once('error', (error) => finish(new ZopfliError(`The zopfli worker failed: ${error.message}`)));
    worker.once('exit', (code) => finish(new ZopfliError(`The zopfli worker exited (code ${code}) before it answered.`)));
  });
}
