import { describe, expect, it } from 'vitest';
import { autoBaudCandidates, lowerBaud } from '../../../../electron/esp/baud-rates';

describe('baud rates', () => {
  it('auto baud tries the adapter limit first and nothing below 460800', () => {
    expect(autoBaudCandidates(2_000_000)).toEqual([2_000_000, 1_500_000, 921_600, 460_800]);
    expect(autoBaudCandidates(921_600)).toEqual([921_600, 460_800]);
    expect(autoBaudCandidates(230_400)).toEqual([]);
  });

  it('steps down one standard rate, and stops at 115200', () => {
    expect(lowerBaud(2_000_000)).toBe(1_500_000);
    expect(lowerBaud(1_000_000)).toBe(921_600);
    expect(lowerBaud(230_400)).toBe(115_200);
    expect(lowerBaud(115_200)).toBeNull();
  });
});
