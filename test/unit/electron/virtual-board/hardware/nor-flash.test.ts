import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NorFlash } from '../../../../../electron/virtual-board/hardware/nor-flash';

describe('NOR flash semantics', () => {
  it('starts erased (0xFF) and erase restores 0xFF over whole 4 KiB sectors', () => {
    const flash = new NorFlash(256 * 1024);
    expect(flash.read(0, 16).every((b) => b === 0xff)).toBe(true);
    flash.program(0x1100, Uint8Array.from([0x00, 0x12]));
    flash.eraseSector(1);
    expect(flash.read(0x1000, 0x1000).every((b) => b === 0xff)).toBe(true);
  });

  it('programming only clears bits: old & new', () => {
    const flash = new NorFlash(256 * 1024);
    flash.program(0x10, Uint8Array.from([0xf0]));
    flash.program(0x10, Uint8Array.from([0x3c]));
    expect(flash.read(0x10, 1)[0]).toBe(0xf0 & 0x3c);
    // A 0 bit can never come back without an erase.
    flash.program(0x10, Uint8Array.from([0xff]));
    expect(flash.read(0x10, 1)[0]).toBe(0x30);
  });

  it('erases 64 KiB blocks and the whole chip', () => {
    const flash = new NorFlash(256 * 1024);
    flash.program(0, new Uint8Array(256 * 1024));
    flash.eraseBlock64(1);
    expect(flash.read(0xffff, 1)[0]).toBe(0x00);
    expect(flash.read(0x10000, 0x10000).every((b) => b === 0xff)).toBe(true);
    expect(flash.read(0x20000, 1)[0]).toBe(0x00);
    flash.eraseChip();
    expect(flash.read(0, 256 * 1024).every((b) => b === 0xff)).toBe(true);
  });

  it('wraps addresses at the chip size like a real part', () => {
    const flash = new NorFlash(256 * 1024);
    flash.program(256 * 1024 + 5, Uint8Array.from([0x42]));
    expect(flash.read(5, 1)[0]).toBe(0x42);
  });

  it('computes a real MD5 over the contents', () => {
    const flash = new NorFlash(256 * 1024);
    const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff);
    flash.program(0x2000, data);
    const expected = createHash('md5').update(data).digest('hex');
    expect(Buffer.from(flash.md5(0x2000, data.length)).toString('hex')).toBe(expected);
  });

  it('rejects sizes a NOR chip does not come in', () => {
    expect(() => new NorFlash(3 * 1024 * 1024)).toThrow(/power of two/);
  });
});
