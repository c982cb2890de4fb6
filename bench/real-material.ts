/**
 * Real bytes for the bench's firmware images, read from what is installed on this machine, in
 * formats simple enough to parse here:
 *
 * - Xtensa LX106 machine code compiled by GCC: the sections of the object files in Debian's
 *   picolibc-xtensa-lx106-elf static libraries (Unix `ar` archives of ELF32 little-endian
 *   relocatable objects). Code is `.literal*` + `.text*`; read-only data is `.rodata*`. Unlinked
 *   objects hold zeros where the linker puts addresses, which would make them compress better
 *   than firmware does, so readXtensaMaterial links them (lays them out and applies their
 *   relocations) first.
 * - MicroPython's own constant data (interned strings, object and type tables, error messages):
 *   the data segments of the WebAssembly builds shipped in @micropython/micropython-webassembly-pyscript.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Debian's picolibc-xtensa-lx106-elf (and gcc-xtensa-lx106's libgcc), where installed. */
export const XTENSA_ARCHIVES = [
  '/usr/lib/xtensa-lx106-elf/lib/release/libc.a',
  '/usr/lib/xtensa-lx106-elf/lib/libc.a',
  '/usr/lib/xtensa-lx106-elf/lib/release/libm.a',
  '/usr/lib/xtensa-lx106-elf/lib/libm.a',
];

export interface ArchiveMember {
  name: string;
  data: Uint8Array;
}

const decoder = new TextDecoder('latin1');
const text = (bytes: Uint8Array, start: number, length: number): string => decoder.decode(bytes.subarray(start, start + length));

/** The members of a System V / GNU `ar` archive (its symbol index and long-name table are not members). */
export function readArchive(bytes: Uint8Array): ArchiveMember[] {
  if (text(bytes, 0, 8) !== '!<arch>\n') throw new Error('not an ar archive (no "!<arch>" signature)');
  const members: ArchiveMember[] = [];
  let longNames = '';
  let at = 8;
  while (at + 60 <= bytes.length) {
    const rawName = text(bytes, at, 16).trimEnd();
    const size = Number.parseInt(text(bytes, at + 48, 10).trim(), 10);
    if (text(bytes, at + 58, 2) !== '`\n' || !Number.isFinite(size)) throw new Error(`damaged ar member header at byte ${at}`);
    const data = bytes.subarray(at + 60, at + 60 + size);
    if (rawName === '//') longNames = decoder.decode(data);
    else if (rawName !== '/' && rawName !== '/SYM64/') {
      let name = rawName;
      if (/^\/\d+$/.test(rawName)) {
        const start = Number(rawName.slice(1));
        name = longNames.slice(start, longNames.indexOf('\n', start));
      }
      members.push({ name: name.replace(/\/$/, ''), data });
    }
    // Members start on even offsets.
    at += 60 + size + (size % 2);
  }
  return members;
}

export interface ElfSection {
  name: string;
  /** SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_RELA = 4, SHT_NOBITS = 8, ... */
  type: number;
  /** For SHT_RELA: the section the relocations apply to. */
  info: number;
  addralign: number;
  data: Uint8Array;
}

export interface ElfSymbol {
  name: string;
  value: number;
  /** Section index; 0: undefined here (defined in another object). */
  shndx: number;
  global: boolean;
}

export interface ElfObject {
  /** Index 0 is the null section, as in the file. */
  sections: ElfSection[];
  symbols: ElfSymbol[];
}

const SHT_PROGBITS = 1;
const SHT_SYMTAB = 2;
const SHT_RELA = 4;
const SHT_NOBITS = 8;

/** The sections and symbols of an ELF32 little-endian relocatable object. */
export function readElf32(bytes: Uint8Array): ElfObject {
  if (bytes[0] !== 0x7f || text(bytes, 1, 3) !== 'ELF') throw new Error('not an ELF file');
  if (bytes[4] !== 1 || bytes[5] !== 1) throw new Error('not a 32-bit little-endian ELF file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = view.getUint32(0x20, true);
  const shentsize = view.getUint16(0x2e, true);
  const shnum = view.getUint16(0x30, true);
  const shstrndx = view.getUint16(0x32, true);
  const headers = Array.from({ length: shnum }, (_, i) => {
    const o = shoff + i * shentsize;
    return {
      name: view.getUint32(o, true),
      type: view.getUint32(o + 4, true),
      offset: view.getUint32(o + 16, true),
      size: view.getUint32(o + 20, true),
      link: view.getUint32(o + 24, true),
      info: view.getUint32(o + 28, true),
      addralign: view.getUint32(o + 32, true),
    };
  });
  const stringAt = (table: number, offset: number): string => {
    const start = headers[table]!.offset + offset;
    let end = start;
    while (end < bytes.length && bytes[end] !== 0) end++;
    return text(bytes, start, end - start);
  };
  const sections = headers.map((h) => ({
    name: stringAt(shstrndx, h.name),
    type: h.type,
    info: h.info,
    addralign: h.addralign,
    data: h.type === SHT_NOBITS ? new Uint8Array(0) : bytes.subarray(h.offset, h.offset + h.size),
  }));
  const symbols: ElfSymbol[] = [];
  const symtab = headers.findIndex((h) => h.type === SHT_SYMTAB);
  if (symtab > 0) {
    const h = headers[symtab]!;
    for (let o = h.offset; o + 16 <= h.offset + h.size; o += 16) {
      const info = bytes[o + 12]!;
      symbols.push({ name: stringAt(h.link, view.getUint32(o, true)), value: view.getUint32(o + 4, true), shndx: view.getUint16(o + 14, true), global: info >> 4 !== 0 });
    }
  }
  return { sections, symbols };
}

export interface XtensaMaterial {
  /** Machine code with its literal pools (.literal* then .text* of each object), linked at its place in `irom`. */
  code: Uint8Array[];
  /** Read-only data (.rodata*: string literals, tables), pointers resolved. */
  rodata: Uint8Array[];
  /** The archives read. */
  sources: string[];
}

const R_XTENSA_32 = 1;
const R_XTENSA_SLOT0_OP = 20;
/** Where MicroPython's ESP8266 build links its flash-resident code (irom0). */
const IROM_BASE = 0x40209000;

const isCode = (name: string): boolean => name === '.text' || name.startsWith('.text.') || name === '.literal' || name.startsWith('.literal.');
const isRodata = (name: string): boolean => name === '.rodata' || name.startsWith('.rodata.');

/**
 * Code and read-only data of every object in the installed archives, laid out one after another
 * from IROM_BASE and relocated the way a linker would: 32-bit pointers (literal pools, tables)
 * and the PC-relative operands of L32R, CALLn, J and branch instructions get the addresses of
 * their targets, instead of the zeros an unlinked object holds there. Symbols no object defines
 * (the ROM's functions, the SDK's) get a stable address derived from their name. Null when no
 * archive is installed.
 */
export function readXtensaMaterial(archives: readonly string[] = XTENSA_ARCHIVES): XtensaMaterial | null {
  const objects: ElfObject[] = [];
  const sources: string[] = [];
  for (const file of archives) {
    if (!existsSync(file)) continue;
    const before = objects.length;
    for (const member of readArchive(new Uint8Array(readFileSync(file)))) {
      if (member.name.endsWith('.o')) objects.push(readElf32(member.data));
    }
    if (objects.length > before) sources.push(file);
  }
  if (objects.length === 0) return null;

  // Layout: every object's code (literals first, as the linker script orders them), then all read-only data.
  const placed = objects.map(() => new Map<number, { address: number; bytes: Uint8Array }>());
  let address = IROM_BASE;
  const place = (kind: (name: string) => boolean): void => {
    objects.forEach((object, o) => {
      object.sections.forEach((section, index) => {
        if (section.type !== SHT_PROGBITS || section.data.length === 0 || !kind(section.name)) return;
        const align = Math.max(1, section.addralign);
        address = Math.ceil(address / align) * align;
        placed[o]!.set(index, { address, bytes: section.data.slice() });
        address += section.data.length;
      });
    });
  };
  place(isCode);
  place(isRodata);

  const globals = new Map<string, number>();
  objects.forEach((object, o) => {
    for (const symbol of object.symbols) {
      const section = placed[o]!.get(symbol.shndx);
      if (symbol.global && section && !globals.has(symbol.name)) globals.set(symbol.name, section.address + symbol.value);
    }
  });
  const addressOf = (o: number, symbol: ElfSymbol): number => {
    const section = placed[o]!.get(symbol.shndx);
    if (section) return section.address + symbol.value;
    return globals.get(symbol.name) ?? externalAddress(symbol.name);
  };

  objects.forEach((object, o) => {
    for (const rela of object.sections) {
      if (rela.type !== SHT_RELA) continue;
      const target = placed[o]!.get(rela.info);
      if (!target) continue;
      const view = new DataView(rela.data.buffer, rela.data.byteOffset, rela.data.byteLength);
      for (let r = 0; r + 12 <= rela.data.length; r += 12) {
        const offset = view.getUint32(r, true);
        const info = view.getUint32(r + 4, true);
        const addend = view.getInt32(r + 8, true);
        const symbol = object.symbols[info >>> 8];
        if (!symbol) continue;
        const value = (addressOf(o, symbol) + addend) >>> 0;
        if ((info & 0xff) === R_XTENSA_32 && offset + 4 <= target.bytes.length) {
          new DataView(target.bytes.buffer).setUint32(offset, value, true);
        } else if ((info & 0xff) === R_XTENSA_SLOT0_OP) {
          patchOperand(target.bytes, offset, target.address + offset, value);
        }
      }
    }
  });

  const code: Uint8Array[] = [];
  const rodata: Uint8Array[] = [];
  objects.forEach((object, o) => {
    for (const [index, section] of placed[o]!) (isCode(object.sections[index]!.name) ? code : rodata).push(section.bytes);
  });
  // Map order is insertion order, which is address order within each object; sort globally by address.
  return { code, rodata, sources };
}

/** A stable, plausible address for a symbol defined outside these archives (ROM or SDK code). */
function externalAddress(name: string): number {
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 16777619);
  return (0x40000000 + ((hash >>> 0) % 0x10000) * 4) >>> 0;
}

/**
 * Writes a PC-relative target into the 24-bit instruction at `at` (address `pc`), for the
 * instruction formats the Xtensa ISA gives relocated operands: L32R (RI16), CALLn and J (CALL,
 * 18-bit offset), BZ (BRI12) and B/BI (RRI8, BRI8). Other instructions are left as they are.
 */
export function patchOperand(bytes: Uint8Array, at: number, pc: number, target: number): void {
  if (at + 3 > bytes.length) return;
  let word = bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
  const op0 = word & 0xf;
  const n = (word >> 4) & 0x3;
  if (op0 === 0x1) {
    // L32R: literal at ((pc + 3) & ~3) + (sign-extended 0xffff_imm16 << 2), always at or below the pc.
    const offset = ((target - ((pc + 3) & ~3)) >> 2) & 0xffff;
    word = (word & 0xff) | (offset << 8);
  } else if (op0 === 0x5) {
    // CALLn: (pc & ~3) + (offset18 << 2) + 4.
    const offset = ((target - ((pc & ~3) + 4)) >> 2) & 0x3ffff;
    word = (word & 0x3f) | (offset << 6);
  } else if (op0 === 0x6 && n === 0) {
    // J: pc + 4 + offset18.
    const offset = (target - (pc + 4)) & 0x3ffff;
    word = (word & 0x3f) | (offset << 6);
  } else if (op0 === 0x6 && n === 1) {
    // BEQZ/BNEZ/BLTZ/BGEZ: pc + 4 + imm12.
    const offset = (target - (pc + 4)) & 0xfff;
    word = (word & 0xfff) | (offset << 12);
  } else if (op0 === 0x7 || (op0 === 0x6 && n === 2)) {
    // Register-register and register-immediate branches: pc + 4 + imm8.
    const offset = (target - (pc + 4)) & 0xff;
    word = (word & 0xffff) | (offset << 16);
  } else {
    return;
  }
  bytes[at] = word & 0xff;
  bytes[at + 1] = (word >> 8) & 0xff;
  bytes[at + 2] = (word >> 16) & 0xff;
}

/** The data segments (section 11) of a WebAssembly module: the program's initialised constant data. */
export function readWasmDataSegments(bytes: Uint8Array): Uint8Array[] {
  if (text(bytes, 0, 4) !== '\0asm') throw new Error('not a WebAssembly module');
  let at = 8;
  const leb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  };
  const segments: Uint8Array[] = [];
  while (at < bytes.length) {
    const id = bytes[at++]!;
    const size = leb();
    const end = at + size;
    if (id === 11) {
      const count = leb();
      for (let i = 0; i < count; i++) {
        const kind = leb();
        if (kind === 2) leb(); // explicit memory index
        if (kind !== 1) {
          // The offset: a constant expression ending in `end` (0x0b).
          while (bytes[at] !== 0x0b) at++;
          at++;
        }
        const length = leb();
        segments.push(bytes.subarray(at, at + length));
        at += length;
      }
    }
    at = end;
  }
  return segments;
}

const MICROPYTHON_WASM_PACKAGE = '@micropython/micropython-webassembly-pyscript';

/** MicroPython's constant data from every WebAssembly build in the npm package, largest build first. */
export function readMicroPythonData(): { data: Uint8Array[]; sources: string[] } {
  const dir = path.dirname(createRequire(import.meta.url).resolve(`${MICROPYTHON_WASM_PACKAGE}/package.json`));
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.wasm'))
    .map((name) => path.join(dir, name))
    .map((file) => ({ file, bytes: new Uint8Array(readFileSync(file)) }))
    .sort((a, b) => b.bytes.length - a.bytes.length || a.file.localeCompare(b.file));
  const data: Uint8Array[] = [];
  for (const { bytes } of files) data.push(...readWasmDataSegments(bytes));
  return { data, sources: files.map(({ file }) => path.relative(process.cwd(), file)) };
}
