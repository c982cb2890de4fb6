/**
 * The compressed form of an image, and how many flash bytes each compressed block fills. Making
 * it costs tens of milliseconds of CPU per megabyte, so boards writing the same bytes (a classroom
 * imaging a room of boards) share one plan instead of each compressing the image again.
 *
 * The stream is zlib level 9, or one the caller offers (a zopfli stream made earlier and kept
 * beside the firmware): any valid zlib stream inflates on the loaders, so a smaller one means
 * fewer bytes on the wire. An offered stream is used only after it was inflated here and found
 * to be exactly the image (length, MD5, nothing after its end); otherwise it is ignored with a
 * warning and zlib is used.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { createInflate, deflate } from 'node:zlib';

export interface CompressionPlan {
  compressed: Uint8Array;
  /** Uncompressed bytes each block of `blockSize` compressed bytes expands to. */
  inflated: number[];
}

const deflateAsync = promisify(deflate);

/** A few recent images are enough: a classroom writes one firmware (or a handful) to every board. */
const PLANS_KEPT = 4;
const plans = new Map<string, Promise<CompressionPlan>>();

/**
 * The plan for `data` (whose MD5 the caller already computed) cut into `blockSize` blocks. Runs
 * zlib on the thread pool, so boards already streaming keep being served meanwhile.
 */
export function compressionPlan(data: Uint8Array, md5: string, blockSize: number): Promise<CompressionPlan> {
  return cachedPlan(`${md5}:${data.length}:${blockSize}`, () => makePlan(data, blockSize));
}

/** Where a better stream for an image may come from (WriteFlashOptions.compressedStream), and who hears why one was refused. */
export interface StreamOffer {
  stream: (data: Uint8Array, md5: string) => Promise<Uint8Array | null>;
  warn: (message: string) => void;
}

/**
 * The plan for `data` using the offered stream when there is one and it checks out, else the
 * zlib level 9 plan. The offer is asked every time (a stream made meanwhile is used by the next
 * board); a checked stream's plan is shared like zlib's.
 */
export async function compressionPlanWithOffer(data: Uint8Array, md5: string, blockSize: number, offer: StreamOffer | undefined): Promise<CompressionPlan> {
  let stream: Uint8Array | null = null;
  try {
    stream = offer ? await offer.stream(data, md5) : null;
  } catch (error) {
    offer?.warn(`The cached compressed copy of this image could not be read (${(error as Error).message}); compressing it with zlib instead.`);
  }
  if (offer && stream) {
    const streamId = createHash('sha1').update(stream).digest('hex');
    try {
      return await cachedPlan(`${md5}:${data.length}:${blockSize}:${streamId}`, () => checkedStreamPlan(stream, data, md5, blockSize));
    } catch (error) {
      if (!(error instanceof StreamMismatchError)) throw error;
      offer.warn(`The cached compressed copy of this image was not used: ${error.message}. Compressing it with zlib instead.`);
    }
  }
  return compressionPlan(data, md5, blockSize);
}

function cachedPlan(key: string, make: () => Promise<CompressionPlan>): Promise<CompressionPlan> {
  let plan = plans.get(key);
  if (plan) {
    // Most recently used last, so the oldest is evicted first.
    plans.delete(key);
  } else {
    plan = make();
    // A failed plan must not be handed to the next board.
    plan.catch(() => plans.delete(key));
  }
  plans.set(key, plan);
  while (plans.size > PLANS_KEPT) plans.delete(plans.keys().next().value as string);
  return plan;
}

async function makePlan(data: Uint8Array, blockSize: number): Promise<CompressionPlan> {
  const compressed = new Uint8Array(await deflateAsync(data, { level: 9 }));
  return { compressed, inflated: await inflatedBlockSizes(compressed, blockSize, data.length) };
}

/** An offered stream that does not inflate to exactly the image. */
export class StreamMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamMismatchError';
  }
}

/**
 * Inflates `stream` block by block as the loader will, and returns its plan only if it is one
 * complete zlib stream that yields exactly `data` (length and MD5) with no bytes after its end.
 */
async function checkedStreamPlan(stream: Uint8Array, data: Uint8Array, md5: string, blockSize: number): Promise<CompressionPlan> {
  const inflate = createInflate();
  const hash = createHash('md5');
  let produced = 0;
  inflate.on('data', (chunk: Buffer) => {
    produced += chunk.length;
    if (produced <= data.length) hash.update(chunk);
  });
  // An invalid stream ends in 'error' instead of the flush's callback or 'end': every wait below also ends on it.
  let failure: Error | null = null;
  const failed = new Promise<void>((resolve) =>
    inflate.once('error', (error) => {
      failure = error;
      resolve();
    }),
  );
  const ended = new Promise<void>((resolve) => inflate.once('end', resolve));
  const inflated: number[] = [];
  try {
    for (let start = 0; start < stream.length && !failure; start += blockSize) {
      const before = produced;
      await Promise.race([failed, new Promise<void>((resolve) => inflate.write(stream.subarray(start, start + blockSize), () => inflate.flush(() => resolve())))]);
      inflated.push(produced - before);
      if (produced > data.length) break;
    }
    if (!failure && produced <= data.length) {
      inflate.end();
      await Promise.race([ended, failed]);
    }
  } finally {
    inflate.destroy();
  }
  // Set by the 'error' listener while the awaits above ran.
  const error = failure as Error | null;
  if (error) throw new StreamMismatchError(`it is not a valid zlib stream (${error.message})`);
  if (produced !== data.length) throw new StreamMismatchError(`it inflates to ${produced} bytes, not the image's ${data.length}`);
  if (hash.digest('hex') !== md5) throw new StreamMismatchError("it inflates to different bytes (MD5 differs from the image's)");
  if (inflate.bytesWritten !== stream.length) throw new StreamMismatchError(`${stream.length - inflate.bytesWritten} bytes follow the end of its zlib stream`);
  return { compressed: stream, inflated };
}

/**
 * Inflates the stream block by block to learn how many bytes each compressed block expands to.
 * Falls back to an even split if the counts do not add up (they always should).
 */
export async function inflatedBlockSizes(compressed: Uint8Array, blockSize: number, expectedTotal: number): Promise<number[]> {
  const inflate = createInflate();
  let produced = 0;
  inflate.on('data', (chunk: Buffer) => {
    produced += chunk.length;
  });
  const sizes: number[] = [];
  try {
    for (let start = 0; start < compressed.length; start += blockSize) {
      const before = produced;
      await new Promise<void>((resolve, reject) => {
        inflate.once('error', reject);
        inflate.write(compressed.subarray(start, start + blockSize));
        inflate.flush(() => {
          inflate.off('error', reject);
          resolve();
        });
      });
      sizes.push(produced - before);
    }
  } finally {
    inflate.destroy();
  }
  if (sizes.reduce((a, b) => a + b, 0) === expectedTotal) return sizes;
  const blocks = Math.ceil(compressed.length / blockSize);
  return Array.from({ length: blocks }, (_, i) => Math.round(((i + 1) * expectedTotal) / blocks) - Math.round((i * expectedTotal) / blocks));
}
