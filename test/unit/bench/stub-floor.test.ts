import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bestBlockSizeFloor, HOST_BLOCK_SIZES, legacyStubFloorSeconds } from '../../../bench/stub-floor';
import { expectedWriteMs, flashTimesFor } from '../../../electron/virtual-board/hardware/flash-timing';

/**
 * The legacy stub's floor (bench/stub-floor.ts): never below what the wire or the chip alone
 * needs, close to the wire's time when the wire is slow, and the best block size no worse than 16 KiB.
 */
const times = flashTimesFor(0xef4016);
// 512 KiB that compress to about 60 % (low-entropy bytes), like firmware.
let seed = 7;
const image = Uint8Array.from({ length: 512 * 1024 }, () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 27) * 9);
const stream = new Uint8Array(deflateSync(image, { level: 9 }));
const input = { offset: 0x10000, imageBytes: image.length, stream, times };
const flashSeconds = expectedWriteMs(times, input.offset, image.length) / 1000;
const wireSeconds = (baud: number) => (stream.length * 10) / baud;

describe('legacy stub floor', () => {
  it('is never faster than the wire or the chip alone', () => {
    for (const baud of [115200, 460800, 921600]) {
      const floor = legacyStubFloorSeconds({ ...input, blockSize: 0x4000, baud });
      expect(floor).toBeGreaterThanOrEqual(wireSeconds(baud));
      expect(floor).toBeGreaterThanOrEqual(flashSeconds);
    }
  });

  it('is within 2 % of the stream\'s bytes on the wire at 115200 baud (frame headers and SLIP escapes make the rest: the chip keeps up), and above the bound at 921600 (erases come first)', () => {
    const slow = legacyStubFloorSeconds({ ...input, blockSize: 0x4000, baud: 115200 });
    expect(slow / Math.max(wireSeconds(115200), flashSeconds)).toBeLessThan(1.02);
    const fast = legacyStubFloorSeconds({ ...input, blockSize: 0x4000, baud: 921600 });
    expect(fast / Math.max(wireSeconds(921600), flashSeconds)).toBeGreaterThan(1.02);
  });

  it('finds the best constant block size from 1 to 16 KiB, never worse than 16 KiB', () => {
    const best = bestBlockSizeFloor({ ...input, baud: 921600 });
    expect(HOST_BLOCK_SIZES).toContain(best.blockSize);
    expect(best.seconds).toBeLessThanOrEqual(legacyStubFloorSeconds({ ...input, blockSize: 0x4000, baud: 921600 }));
    for (const blockSize of HOST_BLOCK_SIZES) expect(best.seconds).toBeLessThanOrEqual(legacyStubFloorSeconds({ ...input, blockSize, baud: 921600 }));
  });
});
