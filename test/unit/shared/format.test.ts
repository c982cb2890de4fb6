import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatHex32, formatSpeed, parseSize } from '../../../shared/format';

describe('formatting helpers', () => {
  it('formats sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(4 * 1024 * 1024)).toBe('4.0 MiB');
    expect(formatBytes(-1)).toBe('?');
  });
  it('formats speeds, durations and offsets', () => {
    expect(formatSpeed(0)).toBe('–');
    expect(formatSpeed(43110)).toBe('42.1 KiB/s');
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(3723)).toBe('1:02:03');
    expect(formatDuration(Number.NaN)).toBe('–');
    expect(formatHex32(0x1000)).toBe('0x00001000');
  });
  it('parses the sizes people type', () => {
    expect(parseSize('0x1000')).toBe(4096);
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('4MB')).toBe(4 * 1024 * 1024);
    expect(parseSize('512k')).toBe(512 * 1024);
    expect(parseSize('lots')).toBeNull();
    expect(parseSize('')).toBeNull();
  });
});
