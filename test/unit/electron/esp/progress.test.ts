import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { OperationProgress } from '../../../../shared/types/device';
import { ProgressPrinter } from '../../../../electron/cli/progress-bar';
import { inflatedBlockSizes } from '../../../../electron/esp/compression-plan';
import { ProgressTracker } from '../../../../electron/esp/progress';
import { firmwareLikeImage } from '../../../../bench/firmware-like';

describe('progress', () => {
  it('reports stage, done, total and a speed', async () => {
    const seen: OperationProgress[] = [];
    const tracker = new ProgressTracker('writing', 1000, (p) => seen.push(p), 'Writing');
    await new Promise((r) => setTimeout(r, 20));
    tracker.add(500);
    expect(seen[0]).toMatchObject({ stage: 'writing', done: 0, total: 1000, message: 'Writing' });
    expect(seen[1]).toMatchObject({ done: 500, total: 1000 });
    expect(seen[1]!.bytesPerSecond).toBeGreaterThan(0);
  });

  it('prints plain lines per 10 % when not on a TTY, and a bar on a TTY', () => {
    let plain = '';
    const printer = new ProgressPrinter({ write: (t) => (plain += t), isTTY: false });
    for (let done = 0; done <= 100; done += 5) printer.update({ stage: 'writing', done, total: 100, bytesPerSecond: 1000 });
    expect(plain.split('\n').filter(Boolean)).toHaveLength(11);
    expect(plain).not.toContain('\r');

    let tty = '';
    const bar = new ProgressPrinter({ write: (t) => (tty += t), isTTY: true });
    bar.update({ stage: 'reading', done: 50, total: 100, bytesPerSecond: 2048 });
    expect(tty).toMatch(/\r.*\[#{15}-{15}\]\s+50%/);
  });
});

describe('compressed block accounting', () => {
  it('finds how many bytes each compressed block inflates to', async () => {
    const image = firmwareLikeImage(200_000, 7);
    const compressed = deflateSync(image, { level: 9 });
    const sizes = await inflatedBlockSizes(compressed, 0x4000, image.length);
    expect(sizes).toHaveLength(Math.ceil(compressed.length / 0x4000));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(image.length);
    expect(sizes.every((s) => s > 0)).toBe(true);
  });

  it('firmware-like data compresses to roughly two thirds', () => {
    const image = firmwareLikeImage(1 << 20);
    const ratio = deflateSync(image, { level: 9 }).length / image.length;
    expect(ratio).toBeGreaterThan(0.55);
    expect(ratio).toBeLessThan(0.75);
    expect(Buffer.from(firmwareLikeImage(4096)).equals(Buffer.from(firmwareLikeImage(4096)))).toBe(true);
  });
});
