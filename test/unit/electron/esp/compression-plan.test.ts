import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressionPlan } from '../../../../electron/esp/compression-plan';

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
