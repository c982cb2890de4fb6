/**
 * Downloads one URL into a ".part" file that survives interruptions: a later attempt (in the same
 * call, or after a restart of Kiln) asks for the rest with an HTTP Range request and appends, but
 * only when the server answers 206 with a Content-Range that starts exactly where the part file
 * ends. A server that ignores Range (200) or names another range gets a clean restart.
 * If-Range (the ETag or Last-Modified of the first response) makes a changed file restart too.
 *
 * The caller decides what the finished part file becomes; this module never renames it.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { formatBytes } from '../../shared/format';
import { FirmwareError, abortedError } from './errors';
import { ESP8266_V2_MAGIC, IMAGE_MAGIC } from '../esp/image-tables';

/** Real MicroPython builds are 500 KB and more; anything under this is an error page or a stub. */
export const MIN_FIRMWARE_BYTES = 16 * 1024;
/** More than the largest flash Kiln writes to; guards the disk against a runaway response. */
export const MAX_FIRMWARE_BYTES = 64 * 1024 * 1024;
/** Progress callbacks at most this often, plus the final one. */
const PROGRESS_INTERVAL_MS = 50;
/** A connection that delivers nothing for this long is given up and resumed. */
const STALL_TIMEOUT_MS = 30_000;

export interface ResumableDownloadOptions {
  url: string;
  partPath: string;
  /** For messages: "ESP32_GENERIC-20260406-v1.28.0.bin". */
  label: string;
  fetchImpl: typeof fetch;
  signal?: AbortSignal;
  /** Attempts in this call, resumes included. */
  maxAttempts?: number;
  onProgress?: (progress: { done: number; total: number; bytesPerSecond: number; resumedFrom: number }) => void;
}

export interface ResumableDownloadResult {
  size: number;
  attempts: number;
  /** True when some bytes came from an earlier, interrupted attempt. */
  resumed: boolean;
}

interface PartMeta {
  url: string;
  validator: string | null;
}

async function partSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function readMeta(path: string): Promise<PartMeta | null> {
  try {
    const value = JSON.parse(await readFile(`${path}.json`, 'utf8')) as Partial<PartMeta>;
    return typeof value.url === 'string' ? { url: value.url, validator: value.validator ?? null } : null;
  } catch {
    return null;
  }
}

async function discardPart(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.json`, { force: true });
}

/** "bytes 100-199/200" -> {start, end, total}; total null for "*". */
function parseContentRange(value: string | null): { start: number; end: number; total: number | null } | null {
  const m = value ? /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value.trim()) : null;
  if (!m) return null;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? null : Number(m[3]) };
}

function statusMessage(status: number, label: string, host: string): FirmwareError {
  if (status === 404 || status === 410) {
    return new FirmwareError(
      'http-status',
      `${host} has no file ${label} (HTTP ${status}).`,
      'Refresh the firmware list: this build may have been removed or renamed.',
    );
  }
  if (status >= 500) {
    return new FirmwareError(
      'http-status',
      `${host} had a problem sending ${label} (HTTP ${status}, a server error).`,
      'Try again in a few minutes.',
    );
  }
  return new FirmwareError('http-status', `${host} refused to send ${label} (HTTP ${status}).`, 'Try again later, or download the file yourself and add it as a local image.');
}

function refuseContent(first: Uint8Array, contentType: string | null, label: string): FirmwareError | null {
  const byte = first[0];
  if (byte === IMAGE_MAGIC || byte === ESP8266_V2_MAGIC) return null;
  const looksHtml = byte === 0x3c || /html|xml/i.test(contentType ?? '');
  return new FirmwareError(
    'not-firmware',
    looksHtml
      ? `The server sent a web page instead of the firmware ${label} (content type ${contentType ?? 'unknown'}).`
      : `The server sent something that is not a firmware image for ${label} (first byte 0x${(byte ?? 0).toString(16).padStart(2, '0').toUpperCase()}, expected 0xE9).`,
    'Check your network (a captive portal or proxy may be answering), then try again.',
  );
}

class RetryableError extends Error {}

/** Waits before a retry; resolves early (and the loop then notices) when the user cancels. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Writes a chunk and waits when the stream asks us to, so memory stays flat. */
async function writeChunk(out: WriteStream, chunk: Uint8Array): Promise<void> {
  if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
}

async function closeStream(out: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    out.end((error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

export async function downloadResumable(options: ResumableDownloadOptions): Promise<ResumableDownloadResult> {
  const { url, partPath, label, fetchImpl, signal } = options;
  const maxAttempts = options.maxAttempts ?? 4;
  const host = new URL(url).host;
  let resumed = false;
  let lastError = '';

  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    if (signal?.aborted) throw abortedError(`The download of ${label}`);
    const meta = await readMeta(partPath);
    let have = await partSize(partPath);
    if (have > 0 && meta?.url !== url) {
      await discardPart(partPath);
      have = 0;
    }
    const headers: Record<string, string> = { accept: 'application/octet-stream' };
    if (have > 0) {
      headers.range = `bytes=${have}-`;
      if (meta?.validator) headers['if-range'] = meta.validator;
    }
    const stall = new AbortController();
    let stallTimer: NodeJS.Timeout | undefined;
    const armStall = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => stall.abort(), STALL_TIMEOUT_MS);
    };
    armStall();
    let response: Response;
    try {
      response = await fetchImpl(url, {
        headers,
        signal: signal ? AbortSignal.any([signal, stall.signal]) : stall.signal,
      });
    } catch (error) {
      clearTimeout(stallTimer);
      if (signal?.aborted) throw abortedError(`The download of ${label}`);
      const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      // No answer at all: one quick second try covers a blip; more would only make the user wait.
      if (attempt >= 2 || attempt >= maxAttempts) {
        throw new FirmwareError(
          'network',
          `Couldn't reach ${host} to download ${label} (${stall.signal.aborted ? 'no answer in time' : reason}).`,
          'Check the network connection and try again; builds already downloaded still work offline.',
        );
      }
      lastError = reason;
      await pause(500, signal);
      continue;
    }

    let start = 0;
    let total = 0;
    if (response.status === 206 && have > 0) {
      const range = parseContentRange(response.headers.get('content-range'));
      if (!range || range.start !== have) {
        // Not the rest of our file: start over cleanly on the next attempt, without Range.
        clearTimeout(stallTimer);
        await response.body?.cancel();
        await discardPart(partPath);
        lastError = 'the server answered with another part of the file';
        continue;
      }
      start = have;
      total = range.total ?? 0;
      resumed = true;
    } else if (response.status === 416 && have > 0) {
      clearTimeout(stallTimer);
      await response.body?.cancel();
      // "bytes */<size>": the size of the whole file, which we may already have.
      const whole = /^bytes\s+\*\/(\d+)$/i.exec(response.headers.get('content-range')?.trim() ?? '');
      if (whole && Number(whole[1]) === have) {
        // The part file already holds the whole file.
        await rm(`${partPath}.json`, { force: true });
        return { size: have, attempts: attempt, resumed: true };
      }
      await discardPart(partPath);
      lastError = 'the server could not resume';
      continue;
    } else if (response.status === 200) {
      const length = Number(response.headers.get('content-length') ?? NaN);
      total = Number.isFinite(length) ? length : 0;
    } else {
      clearTimeout(stallTimer);
      await response.body?.cancel();
      throw statusMessage(response.status, label, host);
    }

    const contentType = response.headers.get('content-type');
    if (start === 0) {
      if (total > 0 && total < MIN_FIRMWARE_BYTES) {
        clearTimeout(stallTimer);
        const head = new Uint8Array(await response.arrayBuffer().catch(() => new ArrayBuffer(0)));
        const refusal = refuseContent(head, contentType, label);
        throw (
          refusal ??
          new FirmwareError(
            'too-small',
            `The server sent only ${formatBytes(total)} for ${label}; a MicroPython firmware is several hundred KiB.`,
            'Try again later, or download the file yourself and add it as a local image.',
          )
        );
      }
      if (total > MAX_FIRMWARE_BYTES) {
        clearTimeout(stallTimer);
        await response.body?.cancel();
        throw new FirmwareError('too-large', `The server offers ${formatBytes(total)} for ${label}, more than any board's flash.`);
      }
      await discardPart(partPath);
      const etag = response.headers.get('etag');
      const validator = etag && !etag.startsWith('W/') ? etag : response.headers.get('last-modified');
      await writeFile(`${partPath}.json`, JSON.stringify({ url, validator } satisfies PartMeta));
    }

    const out = createWriteStream(partPath, { flags: start === 0 ? 'w' : 'a' });
    const began = Date.now();
    let done = start;
    let lastReport = 0;
    const report = (force: boolean) => {
      const now = Date.now();
      if (!force && now - lastReport < PROGRESS_INTERVAL_MS) return;
      lastReport = now;
      const seconds = (now - began) / 1000;
      options.onProgress?.({
        done,
        total,
        bytesPerSecond: seconds > 0 ? (done - start) / seconds : 0,
        resumedFrom: start,
      });
    };
    report(true);
    try {
      if (!response.body) throw new RetryableError('the server sent no body');
      let first = start === 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        armStall();
        if (first && chunk.length > 0) {
          first = false;
          const refusal = refuseContent(chunk, contentType, label);
          if (refusal) throw refusal;
        }
        if (done + chunk.length > MAX_FIRMWARE_BYTES) {
          throw new FirmwareError('too-large', `${label} is larger than ${formatBytes(MAX_FIRMWARE_BYTES)}; it is not a firmware image.`);
        }
        await writeChunk(out, chunk);
        done += chunk.length;
        report(false);
      }
      await closeStream(out);
    } catch (error) {
      clearTimeout(stallTimer);
      if (!out.closed) {
        const closed = new Promise<void>((resolve) => out.once('close', () => resolve()));
        out.destroy();
        await closed;
      }
      if (error instanceof FirmwareError) {
        await discardPart(partPath);
        throw error;
      }
      if (signal?.aborted) throw abortedError(`The download of ${label}`);
      lastError = stall.signal.aborted ? 'no data for a while' : error instanceof Error ? error.message : String(error);
      report(true);
      await pause(100 * attempt, signal);
      continue;
    } finally {
      clearTimeout(stallTimer);
    }
    report(true);
    if (total > 0 && done < total) {
      lastError = `the connection closed after ${formatBytes(done)} of ${formatBytes(total)}`;
      continue;
    }
    if (done < MIN_FIRMWARE_BYTES) {
      await discardPart(partPath);
      throw new FirmwareError(
        'too-small',
        `The server sent only ${formatBytes(done)} for ${label}; a MicroPython firmware is several hundred KiB.`,
        'Try again later, or download the file yourself and add it as a local image.',
      );
    }
    await rm(`${partPath}.json`, { force: true });
    return { size: done, attempts: attempt, resumed };
  }
  throw new FirmwareError(
    'network',
    `The download of ${label} from ${host} broke off ${maxAttempts} times (${lastError || 'network error'}).`,
    'Check the network and try again: the part already downloaded is kept and the next try continues from there.',
  );
}
