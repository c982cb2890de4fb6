import { describe, expect, it } from 'vitest';
import { describeDiff } from '../../../../../renderer/src/components/wizard/diff-summary';

const region = (size: number, unchangedBytes: number) => ({ offset: 0, size, md5: '0'.repeat(32), verified: true, unchangedBytes, sentBytes: 0 });

describe('what the done screen says about a diff re-flash', () => {
  it('a full write, a partial one, and one that found everything in place', () => {
    expect(describeDiff([region(600 * 1024, 0)])).toMatch(/^All 600 KiB written/);
    expect(describeDiff([region(600 * 1024, 592 * 1024)])).toMatch(/^Only 8(\.0)? KiB of 600 KiB needed writing/);
    expect(describeDiff([region(600 * 1024, 600 * 1024)])).toMatch(/already held exactly this: nothing had to be written/);
  });
});
