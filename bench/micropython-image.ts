/**
 * The bench's firmware: a MicroPython-shaped image per chip, laid out as MicroPython's own builds
 * are and filled with real material (real-material.ts), deterministic for a given installation.
 *
 * ESP8266 (ESP8266_GENERIC, 600,888 bytes at 0x0, the size issue 14 names): an ESP8266 image
 * (IRAM code, DRAM data and read-only data) padded with 0xFF to 0x9000, then the irom0 code as
 * raw bytes to the end, where each module's code and its read-only data (strings, tables, the
 * qstr pool, frozen bytecode) follow one another as the linker places them.
 *
 * ESP32 (ESP32_GENERIC, about 1.5 MB at 0x1000): the second-stage bootloader image, the
 * partition table at 0x8000, and the application image at 0x10000 with its DROM (read-only
 * data), DRAM, IRAM and IROM (code) segments, merged with 0xFF padding as esptool's merge_bin does.
 *
 * Proportions: segment sizes follow a v1.2x build's layout; the code share of irom0 / the app
 * (72 %) is an estimate of such a build (code of py/, extmod/, the port and the SDK against
 * their constant data). Nothing is tuned toward a compression ratio: the ratio that results is
 * printed beside the real build's (394,694 / 600,888 = 0.657 with Node's zlib 9).
 *
 * Code is real Xtensa LX106 code (picolibc, linked in real-material.ts) when Debian's
 * picolibc-xtensa-lx106-elf is installed; otherwise the synthetic generator in firmware-like.ts
 * stands in, and `source` says so. The ESP32 is an LX6; LX106 code stands in for it. When an image
 * needs more code or data than the material holds, the material repeats, more than 32 KiB apart,
 * beyond deflate's window, so no compressor can use the repeat.
 */
import { createHash } from 'node:crypto';
import { buildImage } from '../electron/esp/image';
import { firmwareLikeImage, prng } from './firmware-like';
import { readMicroPythonData, readXtensaMaterial, XTENSA_ARCHIVES } from './real-material';

export const ESP8266_IMAGE_BYTES = 600_888;
/** Where each image is written (the chip's bootloader offset). */
export const IMAGE_OFFSETS = { esp8266: 0x0, esp32: 0x1000 } as const;
/** Share of code in irom0 (ESP8266) and in the app (ESP32): an estimate of a real build. */
export const CODE_SHARE = 0.72;
/** The real ESP8266 build issue 14 measured: 600,888 bytes, 394,694 with Node's zlib level 9. */
export const REAL_BUILD_ZLIB9_RATIO = 394_694 / 600_888;

export interface BenchImage {
  chip: 'esp8266' | 'esp32';
  bytes: Uint8Array;
  offset: number;
  /** Where the code and data came from, for the tables. */
  source: string;
}

/** An endless, deterministic stream over a list of byte pieces (repeating once they run out). */
class MaterialStream {
  private piece = 0;
  private at = 0;
  constructor(private readonly pieces: Uint8Array[]) {
    if (pieces.every((p) => p.length === 0)) throw new Error('no material');
  }

  take(length: number): Uint8Array {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const piece = this.pieces[this.piece]!;
      const n = Math.min(piece.length - this.at, length - filled);
      out.set(piece.subarray(this.at, this.at + n), filled);
      filled += n;
      this.at += n;
      if (this.at >= piece.length) {
        this.piece = (this.piece + 1) % this.pieces.length;
        this.at = 0;
      }
    }
    return out;
  }
}

interface Material {
  code: MaterialStream;
  data: MaterialStream;
  source: string;
}

/** Read once per process (parsing and linking the archives takes a second or so). */
let pieces: { code: Uint8Array[]; data: Uint8Array[]; source: string } | null = null;

/** Fresh streams over the material: each image starts at its beginning, whichever was built first. */
function material(): Material {
  if (!pieces) {
    const xtensa = readXtensaMaterial();
    const micropython = readMicroPythonData();
    const dataSource = `MicroPython's constant data from ${micropython.sources.length} WebAssembly builds (npm @micropython/micropython-webassembly-pyscript)`;
    pieces = xtensa
      ? { code: xtensa.code, data: micropython.data, source: `code: real Xtensa LX106 (picolibc, linked) from ${xtensa.sources.join(', ')}; data: ${dataSource}` }
      : {
          code: [firmwareLikeImage(1 << 20)],
          data: micropython.data,
          source: `code: SYNTHETIC (firmware-like.ts, since ${XTENSA_ARCHIVES[0]} is not installed: apt-get install picolibc-xtensa-lx106-elf); data: ${dataSource}`,
        };
  }
  return { code: new MaterialStream(pieces.code), data: new MaterialStream(pieces.data), source: pieces.source };
}

/** Code and data interleaved as a linker places modules: runs of 2–16 KiB, `codeShare` of the bytes code. */
function interleaved(m: Material, length: number, codeShare: number, seed: number): Uint8Array {
  const random = prng(seed);
  const out = new Uint8Array(length);
  let at = 0;
  let code = 0;
  while (at < length) {
    const run = Math.min(length - at, 2048 + Math.floor(random() * 14 * 1024));
    // Whichever kind is behind its share comes next.
    const useCode = code < codeShare * (at + run);
    out.set(useCode ? m.code.take(run) : m.data.take(run), at);
    if (useCode) code += run;
    at += run;
  }
  return out;
}

function padded(parts: { at: number; bytes: Uint8Array }[], total: number): Uint8Array {
  const out = new Uint8Array(total).fill(0xff);
  for (const { at, bytes } of parts) out.set(bytes, at);
  return out;
}

/** ESP8266_GENERIC-shaped, 600,888 bytes. */
export function esp8266Image(): BenchImage {
  const m = material();
  const head = buildImage({
    chip: 'esp8266',
    entry: 0x40100004,
    flashMode: 'dio',
    flashFreq: '40m',
    flashSize: '4MB',
    segments: [
      { address: 0x40100000, data: m.code.take(30_720) },
      { address: 0x3ffe8000, data: m.data.take(1_092) },
      { address: 0x3ffe8450, data: m.data.take(3_600) },
    ],
  });
  const iromAt = 0x9000;
  const irom = interleaved(m, ESP8266_IMAGE_BYTES - iromAt, CODE_SHARE, 0x8266);
  return { chip: 'esp8266', bytes: padded([{ at: 0, bytes: head }, { at: iromAt, bytes: irom }], ESP8266_IMAGE_BYTES), offset: IMAGE_OFFSETS.esp8266, source: m.source };
}

/** ESP32_GENERIC-shaped, about 1.5 MB from 0x1000: bootloader, partition table, application. */
export function esp32Image(): BenchImage {
  const m = material();
  const bootloader = buildImage({
    chip: 'esp32',
    entry: 0x40080400 + 0x580,
    flashMode: 'dio',
    flashFreq: '40m',
    flashSize: '4MB',
    segments: [
      { address: 0x3fff0030, data: m.data.take(2_800) },
      { address: 0x40078000, data: m.code.take(15_000) },
      { address: 0x40080400, data: m.code.take(5_500) },
    ],
  });
  const app = buildImage({
    chip: 'esp32',
    entry: 0x40081000,
    flashMode: 'dio',
    flashFreq: '40m',
    flashSize: '4MB',
    segments: [
      { address: 0x3f400020, data: m.data.take(340_000) },
      { address: 0x3ffbdb60, data: m.data.take(60_000) },
      { address: 0x40080000, data: m.code.take(110_000) },
      { address: 0x400d0020, data: m.code.take(930_000) },
    ],
  });
  // Flash addresses less the 0x1000 the file is written at.
  const parts = [
    { at: 0, bytes: bootloader },
    { at: 0x8000 - 0x1000, bytes: partitionTable() },
    { at: 0x10000 - 0x1000, bytes: app },
  ];
  return { chip: 'esp32', bytes: padded(parts, 0x10000 - 0x1000 + app.length), offset: IMAGE_OFFSETS.esp32, source: m.source };
}

/** MicroPython ESP32's partition table: nvs, phy_init, factory app, vfs; then the MD5 entry, as gen_esp32part.py writes it. */
export function partitionTable(): Uint8Array {
  const entries: [type: number, subtype: number, offset: number, size: number, label: string][] = [
    [0x01, 0x02, 0x9000, 0x6000, 'nvs'],
    [0x01, 0x01, 0xf000, 0x1000, 'phy_init'],
    [0x00, 0x00, 0x10000, 0x1f0000, 'factory'],
    [0x01, 0x81, 0x200000, 0x200000, 'vfs'],
  ];
  const out = new Uint8Array(0xc00).fill(0xff);
  const view = new DataView(out.buffer);
  entries.forEach(([type, subtype, offset, size, label], i) => {
    const o = i * 32;
    view.setUint16(o, 0x50aa, true);
    out[o + 2] = type;
    out[o + 3] = subtype;
    view.setUint32(o + 4, offset, true);
    view.setUint32(o + 8, size, true);
    out.fill(0, o + 12, o + 28);
    out.set(new TextEncoder().encode(label), o + 12);
    view.setUint32(o + 28, 0, true);
  });
  const md5At = entries.length * 32;
  view.setUint16(md5At, 0xebeb, true);
  out.fill(0xff, md5At + 2, md5At + 16);
  out.set(md5Of(out.subarray(0, md5At)), md5At + 16);
  return out;
}

function md5Of(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('md5').update(bytes).digest());
}
