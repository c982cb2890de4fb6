import { describe, expect, it } from 'vitest';
import { OutputPacer } from '../../../../../electron/virtual-board/micropython/output-pacer';

describe('OutputPacer', () => {
  it('lets a burst through at once, then paces at the set rate', () => {
    let now = 0;
    const pacer = new OutputPacer(1000, 100, () => now);
    expect(pacer.take(80)).toBe(80);
    expect(pacer.take(80)).toBe(20);
    expect(pacer.take(10)).toBe(0);
    expect(pacer.msUntil(10)).toBe(10);
    now += 10;
    expect(pacer.take(50)).toBe(10);
    now += 1000;
    expect(pacer.take(500)).toBe(100); // never more than one burst after a pause
  });

  it('never holds anything back at an infinite rate', () => {
    const pacer = new OutputPacer(Infinity, 0);
    expect(pacer.take(1_000_000)).toBe(1_000_000);
    expect(pacer.msUntil(1_000_000)).toBe(0);
  });
});
