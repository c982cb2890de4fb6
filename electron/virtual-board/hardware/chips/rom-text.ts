import type { BootImageSummary } from './types';

/** Small formatting helpers shared by the per-chip boot-log texts. */

export function hex(value: number, digits = 0): string {
  return `0x${(value >>> 0).toString(16).padStart(digits, '0')}`;
}

const FLASH_MODE_NAMES = ['QIO', 'QOUT', 'DIO', 'DOUT'] as const;

/** "mode:DIO" as the ROM prints it from byte 2 of the image header. */
export function flashModeName(image: BootImageSummary): string {
  return FLASH_MODE_NAMES[image.flashModeByte] ?? 'DIO';
}

/**
 * "clock div:N": divider of the 80 MHz SPI clock for the header's frequency nibble
 * (0 = 40 MHz -> 2, 1 = 26 MHz -> 3, 2 = 20 MHz -> 4, 0xf = 80 MHz -> 1).
 */
export function clockDivider(image: BootImageSummary): number {
  switch (image.flashSizeFreqByte & 0x0f) {
    case 0x0f:
      return 1;
    case 0x01:
      return 3;
    case 0x02:
      return 4;
    default:
      return 2;
  }
}

/**
 * The ESP32-S2/S3/C3 ROMs share one layout of messages (ESP-ROM banner, "rst:..,boot:..", the SPI
 * header lines, then "load:" per segment with the length in hex). Only banner and labels differ.
 */
export interface NewRomTexts {
  banner: string;
  resetNames: { 'power-on': string; external: string; software: string; watchdog: string };
  downloadLabel: string;
}

export function newRomResetLine(t: NewRomTexts, cause: keyof NewRomTexts['resetNames'], strap: number, bootLabel: string): string {
  return `${t.banner}rst:${t.resetNames[cause]},boot:${hex(strap)} (${bootLabel})\r\n`;
}

export function newRomRunLog(t: NewRomTexts, cause: keyof NewRomTexts['resetNames'], strap: number, image: BootImageSummary): string {
  let s = newRomResetLine(t, cause, strap, 'SPI_FAST_FLASH_BOOT');
  s += `SPIWP:0xee\r\nmode:${flashModeName(image)}, clock div:${clockDivider(image)}\r\n`;
  for (const seg of image.segments) s += `load:${hex(seg.address, 8)},len:${hex(seg.length)}\r\n`;
  s += `entry ${hex(image.entry, 8)}\r\n`;
  return s;
}
