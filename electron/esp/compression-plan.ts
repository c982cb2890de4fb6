/**
 * The compressed form of an image, and how many flash bytes each compressed block fills. Making
 * it costs tens of milliseconds of CPU per megabyte, so boards writing the same bytes (a classroom
 * imaging a room of boards) share one plan instead of each compressing the image again.
 */
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
  const key = `${md5}:${data.length}:${blockSize}`;
  let plan = plans.get(key);
  if (plan) {
    // Most recently used last, so the oldest is evicted first.
    plans.delete(key);
  } else {
    plan = makePlan(data, blockSize);
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
