import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../../../../../electron/virtual-board/wire/faults';

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i & 0xff);

describe('fault injection on host -> board bytes', () => {
  it('drops exactly the Nth byte, counted since the faults were set, across writes', () => {
    const f = new FaultInjector({ dropAtByte: 12 });
    const first = f.apply(bytes(10));
    const second = f.apply(bytes(10));
    expect(first.bytes.length).toBe(10);
    expect(Array.from(second.bytes)).toEqual([0, 1, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('flips exactly one bit of the Nth byte', () => {
    const f = new FaultInjector({ corruptAtByte: 3, seed: 7 });
    const out = f.apply(new Uint8Array(8));
    const diff = out.bytes[3] as number;
    expect(out.bytes.length).toBe(8);
    expect(diff).not.toBe(0);
    expect(diff & (diff - 1)).toBe(0); // a single bit
    expect(Array.from(out.bytes).filter((b) => b !== 0)).toHaveLength(1);
  });

  it('applies rates deterministically for a seed', () => {
    const run = (seed: number) => Array.from(new FaultInjector({ seed, dropRate: 0.1, corruptRate: 0.1 }).apply(bytes(500)).bytes);
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
    const kept = run(42).length;
    expect(kept).toBeLessThan(500);
    expect(kept).toBeGreaterThan(400);
  });

  it('unplugs after N bytes: later bytes never reach the board', () => {
    const f = new FaultInjector({ unplugAtByte: 5 });
    const out = f.apply(bytes(10));
    expect(out.unplugAfter).toBe(5);
    expect(out.bytes.length).toBe(5);
  });

  it('marks where a stall starts', () => {
    const f = new FaultInjector({ stall: { atByte: 4, ms: 100 } });
    expect(f.apply(bytes(3)).stallAfter).toBeNull();
    expect(f.apply(bytes(3)).stallAfter).toEqual({ index: 1, ms: 100 });
    expect(f.apply(bytes(3)).stallAfter).toBeNull(); // once
  });

  it('setting faults again restarts the count', () => {
    const f = new FaultInjector({ dropAtByte: 0 });
    expect(f.apply(bytes(2)).bytes.length).toBe(1);
    f.set({ dropAtByte: 0 });
    expect(f.apply(bytes(2)).bytes.length).toBe(1);
    f.set(undefined);
    expect(f.apply(bytes(2)).bytes.length).toBe(2);
  });
});
