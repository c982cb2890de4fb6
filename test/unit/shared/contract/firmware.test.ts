import { describe, expect, it } from 'vitest';
import { requests } from '../../../../shared/contract';

const parse = (name: keyof typeof requests, args: unknown) => requests[name].args.safeParse(args).success;

describe('firmware request schemas', () => {
  it('accept what the UI sends', () => {
    expect(parse('firmware.download', { entryId: 'ESP32_GENERIC-20260406-v1.28.0' })).toBe(true);
    expect(parse('firmware.download', { entryId: 'ESP8266_GENERIC-FLASH_1M-20260406-v1.28.0' })).toBe(true);
    expect(parse('firmware.local.add', { path: '/home/ada/Downloads/firmware.bin' })).toBe(true);
    expect(parse('firmware.local.add', { path: 'C:\\Users\\ada\\firmware.bin' })).toBe(true);
    expect(parse('firmware.checkFit', { image: { kind: 'local', id: 'local-0123456789abcdef' }, device: { chip: 'esp8266', flashSizeBytes: 1048576 } })).toBe(true);
  });

  it('refuse paths and ids that could reach outside the cache', () => {
    expect(parse('firmware.download', { entryId: '../../etc/passwd' })).toBe(false);
    expect(parse('firmware.local.add', { path: 'relative/firmware.bin' })).toBe(false);
    expect(parse('firmware.local.add', { path: '/tmp/a\0b' })).toBe(false);
    expect(parse('firmware.local.add', { path: `/${'a'.repeat(5000)}` })).toBe(false);
    expect(parse('firmware.local.remove', { id: 'local-../../x' })).toBe(false);
    expect(parse('firmware.checkFit', { image: { kind: 'file', path: '/etc/passwd' }, device: { chip: 'esp32', flashSizeBytes: null } })).toBe(false);
    expect(parse('firmware.checkFit', { image: { kind: 'local', id: 'local-0123456789abcdef' }, device: { chip: 'esp99', flashSizeBytes: null } })).toBe(false);
    expect(parse('firmware.checkFit', { image: { kind: 'local', id: 'local-0123456789abcdef' }, device: { chip: 'esp32', flashSizeBytes: -1 } })).toBe(false);
  });
});
