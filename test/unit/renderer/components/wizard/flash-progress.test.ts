import { describe, expect, it } from 'vitest';
import { overallProgress, planStages } from '../../../../../renderer/src/components/wizard/flash-progress';

const MB = 1024 * 1024;
const plan = planStages({ download: false, eraseAll: true, imageBytes: 1 * MB, flashBytes: 4 * MB, bytesPerSecond: 92_160 });

describe('one bar across the flash stages', () => {
  it('moves during a chip erase that reports no bytes, without reaching the erase’s end', () => {
    const erasing = { stage: 'erasing' as const, done: 0, total: 0, bytesPerSecond: 0 };
    const early = overallProgress(plan, erasing, 1, false);
    const late = overallProgress(plan, erasing, 60, false);
    expect(early.fraction).toBeGreaterThan(0);
    expect(late.fraction).toBeGreaterThan(early.fraction);
    const eraseShare = plan.find((p) => p.stage === 'erase')!.weight / plan.reduce((s, p) => s + p.weight, 0);
    expect(late.fraction).toBeLessThan(eraseShare);
    expect(late.current).toBe('erase');
    expect(late.done).toEqual(['connect', 'stub']);
  });

  it('counts finished stages in full and the current one by its bytes', () => {
    const writing = overallProgress(plan, { stage: 'writing', done: MB / 2, total: MB, bytesPerSecond: 90_000 }, 0, false);
    const total = plan.reduce((s, p) => s + p.weight, 0);
    const erase = plan.find((p) => p.stage === 'erase')!.weight;
    const write = plan.find((p) => p.stage === 'write')!.weight;
    expect(writing.fraction).toBeCloseTo((erase + write / 2) / total, 5);
    expect(writing.done).toContain('erase');
    expect(overallProgress(plan, null, 0, true).fraction).toBe(1);
  });

  it('never goes backwards from write to verify', () => {
    const endOfWrite = overallProgress(plan, { stage: 'writing', done: MB, total: MB, bytesPerSecond: 1 }, 0, false);
    const startOfVerify = overallProgress(plan, { stage: 'verifying', done: 0, total: MB, bytesPerSecond: 0 }, 0, false);
    expect(startOfVerify.fraction).toBeGreaterThanOrEqual(endOfWrite.fraction);
  });
});
