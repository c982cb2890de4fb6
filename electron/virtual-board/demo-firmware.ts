import type { ChipFamily } from '../../shared/types/chips';
import { CHIP_DISPLAY_NAMES } from '../../shared/types/chips';
import { buildImage } from '../esp/image';
import { chipDescription } from './hardware/chips';

/**
 * A small MicroPython-marked firmware image per chip, for tests and the Demo board: a valid image
 * (header, extended header on the ESP32 family, two segments, checksum) at the chip's boot offset,
 * whose data segment carries the banner string real MicroPython builds contain ("MicroPython v1.24.1
 * on 2024-11-29; ..."), which is what makes a virtual board start its MicroPython runtime.
 * The code segment is filler: the virtual board never executes it.
 */
export interface DemoFirmware {
  chip: ChipFamily;
  /** Flash offset to write `data` at (the chip's bootloader offset). */
  offset: number;
  data: Uint8Array;
  /** "v1.24.1" */
  version: string;
}

/** Load addresses inside each chip's IRAM / DRAM, and an entry point inside the code segment. */
const LAYOUT: Record<ChipFamily, { code: number; data: number }> = {
  esp8266: { code: 0x40100000, data: 0x3ffe8000 },
  esp32: { code: 0x40080400, data: 0x3ffb0000 },
  esp32s2: { code: 0x40024000, data: 0x3ffc0000 },
  esp32c3: { code: 0x403ce000, data: 0x3fcd0000 },
  esp32s3: { code: 0x403c8000, data: 0x3fce0000 },
};

export function buildDemoFirmware(chip: ChipFamily, options: { version?: string; date?: string } = {}): DemoFirmware {
  const version = options.version ?? 'v1.24.1';
  const date = options.date ?? '2024-11-29';
  const layout = LAYOUT[chip];
  const banner = `MicroPython ${version} on ${date}; Kiln demo board with ${CHIP_DISPLAY_NAMES[chip]}\0`;
  const code = new Uint8Array(256);
  // A recognisable, non-uniform filler so images differ from erased flash and from each other.
  for (let i = 0; i < code.length; i++) code[i] = (i * 37 + chip.length) & 0xff;
  const data = buildImage({
    chip,
    entry: layout.code + 4,
    segments: [
      { address: layout.code, data: code },
      { address: layout.data, data: new TextEncoder().encode(banner) },
    ],
    flashMode: 'dio',
    flashFreq: '40m',
    ...(chip === 'esp8266' ? { flashSize: '4MB' as const } : { flashSize: '4MB' as const, appendSha256: true }),
  });
  return { chip, offset: chipDescription(chip).bootloaderOffset, data, version };
}
