/** The bench's MicroPython-shaped images: valid for their chip, deterministic, built from the real material where it is installed. */
import { existsSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseImage } from '../../../electron/esp/image';
import { ESP8266_IMAGE_BYTES, esp32Image, esp8266Image, partitionTable } from '../../../bench/micropython-image';
import { XTENSA_ARCHIVES, patchOperand, readArchive, readElf32, readWasmDataSegments } from '../../../bench/real-material';

describe('MicroPython-shaped bench images', () => {
  const a8266 = esp8266Image();
  const a32 = esp32Image();

  it('the ESP8266 one is a valid ESP8266 image of 600,888 bytes at 0x0, irom0 from 0x9000', () => {
    expect(a8266.bytes.length).toBe(ESP8266_IMAGE_BYTES);
    expect(a8266.offset).toBe(0);
    const image = parseImage(a8266.bytes, { chip: 'esp8266' });
    expect(image.chip).toBe('esp8266');
    expect(image.checksum.valid).toBe(true);
    expect(image.segments.map((s) => s.loadAddress)).toEqual([0x40100000, 0x3ffe8000, 0x3ffe8450]);
    // Padding up to irom0, then code.
    expect(a8266.bytes.subarray(0x8f00, 0x9000).every((b) => b === 0xff)).toBe(true);
    expect(a8266.bytes.subarray(0x9000, 0x9100).some((b) => b !== 0xff)).toBe(true);
  });

  it('the ESP32 one is bootloader, partition table and app, about 1.5 MB at 0x1000, each a valid part', () => {
    expect(a32.offset).toBe(0x1000);
    expect(a32.bytes.length).toBeGreaterThan(1_400_000);
    expect(a32.bytes.length).toBeLessThan(1_600_000);
    const bootloader = parseImage(a32.bytes, { chip: 'esp32' });
    expect(bootloader.checksum.valid).toBe(true);
    const table = a32.bytes.subarray(0x8000 - 0x1000, 0x8000 - 0x1000 + 0xc00);
    expect(Buffer.from(table).equals(Buffer.from(partitionTable()))).toBe(true);
    expect(table[0]).toBe(0xaa);
    expect(table[1]).toBe(0x50);
    const app = parseImage(a32.bytes.subarray(0x10000 - 0x1000), { chip: 'esp32' });
    expect(app.chip).toBe('esp32');
    expect(app.checksum.valid).toBe(true);
    expect(app.segments).toHaveLength(4);
  });

  it('are the same bytes every time, whichever is built first', () => {
    expect(Buffer.from(esp32Image().bytes).equals(Buffer.from(a32.bytes))).toBe(true);
    expect(Buffer.from(esp8266Image().bytes).equals(Buffer.from(a8266.bytes))).toBe(true);
  });

  it('compress like compiled firmware (zlib 9 between 0.5 and 0.8), and say where the code came from', () => {
    for (const image of [a8266, a32]) {
      const ratio = deflateSync(image.bytes, { level: 9 }).length / image.bytes.length;
      expect(ratio).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(0.8);
    }
    expect(a8266.source).toMatch(existsSync(XTENSA_ARCHIVES[0]!) ? /real Xtensa LX106/ : /SYNTHETIC/);
  });
});

describe('reading the real material', () => {
  it('reads ar archives, with GNU long names', () => {
    const member = (name: string, data: string) => `${name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'644'.padEnd(8)}${String(data.length).padEnd(10)}\`\n${data}${data.length % 2 ? '\n' : ''}`;
    const longNames = 'a_rather_long_object_name.o/\n';
    const archive = `!<arch>\n${member('/', 'symb')}${member('//', longNames)}${member('short.o/', 'abc')}${member('/0', 'xy')}`;
    const members = readArchive(new TextEncoder().encode(archive));
    expect(members.map((m) => [m.name, new TextDecoder().decode(m.data)])).toEqual([
      ['short.o', 'abc'],
      ['a_rather_long_object_name.o', 'xy'],
    ]);
    expect(() => readArchive(new Uint8Array(8))).toThrow(/not an ar archive/);
  });

  it('refuses what is not a 32-bit little-endian ELF or a WebAssembly module', () => {
    expect(() => readElf32(new Uint8Array(64))).toThrow(/not an ELF/);
    expect(() => readWasmDataSegments(new Uint8Array(16))).toThrow(/not a WebAssembly/);
  });

  it('finds the data segments of a WebAssembly module', () => {
    // Magic, version, then a data section (id 11) with one active segment at i32.const 16.
    const segment = [0x00, 0x41, 0x10, 0x0b, 0x03, 0x61, 0x62, 0x63];
    const module = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 11, segment.length + 1, 1, ...segment]);
    expect(readWasmDataSegments(module).map((s) => [...s])).toEqual([[0x61, 0x62, 0x63]]);
  });

  it('writes relocated targets into L32R and CALL8 operands as the Xtensa ISA encodes them', () => {
    // L32R a2, <literal>: op0 = 1, t = 2; the literal 8 bytes below the aligned pc + 3.
    const l32r = new Uint8Array([0x21, 0x00, 0x00]);
    patchOperand(l32r, 0, 0x40201000, 0x40200ffc);
    const imm16 = l32r[1]! | (l32r[2]! << 8);
    expect(((0x40201000 + 3) & ~3) + ((imm16 | 0xffff0000) << 2)).toBe(0x40200ffc);
    // CALL8: op0 = 5, n = 2; target (pc & ~3) + 4 + (offset << 2).
    const call = new Uint8Array([0x25, 0x00, 0x00]);
    patchOperand(call, 0, 0x40201001, 0x40202000);
    const word = call[0]! | (call[1]! << 8) | (call[2]! << 16);
    expect(word & 0x3f).toBe(0x25);
    expect((0x40201001 & ~3) + 4 + ((word >>> 6) << 2)).toBe(0x40202000);
  });
});
