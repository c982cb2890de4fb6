import { createHash } from 'node:crypto';
import { deflateRawSync, deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressionPlan, compressionPlanWithOffer } from '../../../../electron/esp/compression-plan';

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

function image(seed: number, size = 200_000): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i % 97 < 40 ? (i * seed) >> 3 : 0xff) & 0xff;
  return data;
}

describe('compression plans', () => {
  it('deflate the image and say how much each block inflates to', async () => {
    const data = image(7);
    const plan = await compressionPlan(data, md5(data), 0x4000);
    expect(new Uint8Array(inflateSync(plan.compressed))).toEqual(data);
    expect(plan.inflated).toHaveLength(Math.ceil(plan.compressed.length / 0x4000));
    expect(plan.inflated.reduce((a, b) => a + b, 0)).toBe(data.length);
  });

  it('are made once for boards writing the same bytes, per block size', async () => {
    const a = image(11);
    const b = a.slice(); // another board's copy of the same firmware
    const first = await compressionPlan(a, md5(a), 0x4000);
    expect(await compressionPlan(b, md5(b), 0x4000)).toBe(first);
    expect(await compressionPlan(b, md5(b), 0x400)).not.toBe(first);
  });

  it('keep only a few recent images', async () => {
    const first = image(13);
    const plan = await compressionPlan(first, md5(first), 0x4000);
    for (let seed = 20; seed < 25; seed++) {
      const other = image(seed, 10_000);
      await compressionPlan(other, md5(other), 0x4000);
    }
    expect(await compressionPlan(first, md5(first), 0x4000)).not.toBe(plan);
  });
});

describe('compression plans with an offered stream (a cached zopfli stream)', () => {
  const data = image(31);
  const good = new Uint8Array(deflateSync(data, { level: 1 }));
  const plans = (stream: Uint8Array | Error | null) => {
    const warnings: string[] = [];
    const offer = {
      stream: () => (stream instanceof Error ? Promise.reject(stream) : Promise.resolve(stream)),
      warn: (message: string) => warnings.push(message),
    };
    return { warnings, plan: compressionPlanWithOffer(data, md5(data), 0x1000, offer) };
  };

  it('send the offered stream when it inflates to exactly the image, cut into blocks that add up', async () => {
    const { plan, warnings } = plans(good);
    const { compressed, inflated } = await plan;
    expect(compressed).toBe(good);
    expect(inflated).toHaveLength(Math.ceil(good.length / 0x1000));
    expect(inflated.reduce((a, b) => a + b, 0)).toBe(data.length);
    expect(warnings).toEqual([]);
  });

  const zlib9 = new Uint8Array(deflateSync(data, { level: 9 }));
  const other = image(32);
  const refused: [string, Uint8Array, RegExp][] = [
    ['bytes after its end', new Uint8Array([...good, 0, 1, 2]), /3 bytes follow the end/],
    ['a truncated stream', good.subarray(0, good.length - 9), /not a valid zlib stream/],
    ['a stream without its Adler-32 trailer', good.subarray(0, good.length - 4), /not a valid zlib stream/],
    ['not zlib at all', new Uint8Array(3000).fill(0x55), /not a valid zlib stream/],
    ['a raw deflate stream (no zlib header)', new Uint8Array(deflateRawSync(data)), /not a valid zlib stream/],
    ['a stream of fewer bytes', new Uint8Array(deflateSync(data.subarray(0, data.length - 4))), /inflates to 199996 bytes/],
    ['a stream of more bytes', new Uint8Array(deflateSync(new Uint8Array([...data, 1, 2, 3, 4]))), /inflates to 200004 bytes/],
    ['a stream of other bytes of the same length', new Uint8Array(deflateSync(other)), /MD5 differs/],
  ];
  it.each(refused)('ignore %s with a warning and use zlib level 9', async (_name, stream, reason) => {
    const { plan, warnings } = plans(stream);
    const { compressed } = await plan;
    expect(Buffer.from(compressed).equals(Buffer.from(zlib9))).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(reason);
    expect(warnings[0]).toMatch(/zlib instead/);
  });

  it('use zlib level 9 when there is no stream, and say so when the source fails', async () => {
    const none = plans(null);
    expect(Buffer.from((await none.plan).compressed).equals(Buffer.from(zlib9))).toBe(true);
    expect(none.warnings).toEqual([]);
    const failing = plans(new Error('disk on fire'));
    expect(Buffer.from((await failing.plan).compressed).equals(Buffer.from(zlib9))).toBe(true);
    expect(failing.warnings[0]).toMatch(/could not be read \(disk on fire\)/);
  });
});
