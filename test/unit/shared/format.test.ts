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
  it('prints offsets of 4 GiB and more in full instead of wrapping them to 32 bits', () => {
    expect(formatHex32(0xffff_ffff)).toBe('0xffffffff');
    expect(formatHex32(0x1_0000_0000)).toBe('0x100000000');
    expect(formatHex32(0x1_0000_1000)).toBe('0x100001000');
    expect(formatHex32(Number.MAX_SAFE_INTEGER)).toBe('0x1fffffffffffff');
    // A register word computed with signed 32-bit arithmetic keeps its bit pattern.
    expect(formatHex32(-1)).toBe('0xffffffff');
    expect(formatHex32(0xdeadbeef | 0)).toBe('0xdeadbeef');
    // Never a made-up number for something that is not an integer offset.
    expect(formatHex32(2 ** 60)).toBe(String(2 ** 60));
    expect(formatHex32(1.5)).toBe('1.5');
    expect(formatHex32(Number.NaN)).toBe('NaN');
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
