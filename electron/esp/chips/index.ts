/**
 * Every chip family Kiln knows, and the two ways to recognise one: the chip id from
 * GET_SECURITY_INFO (newer ROMs) and the magic value at 0x40001000 (older ones).
 */
import type { ChipFamily } from '../../../shared/types/chips';
import { esp32 } from './esp32';
import { esp32c3 } from './esp32c3';
import { esp32s2 } from './esp32s2';
import { esp32s3 } from './esp32s3';
import { esp8266 } from './esp8266';
import type { ChipDefinition } from './types';

export type { ChipDefinition, ChipIdentity, RegisterReader, RomCapabilities, SpiRegisters } from './types';
export { CHIP_DETECT_MAGIC_REG, formatMac } from './types';

export const CHIPS: Readonly<Record<ChipFamily, ChipDefinition>> = { esp8266, esp32, esp32c3, esp32s2, esp32s3 };

export function chipByFamily(family: ChipFamily): ChipDefinition {
  return CHIPS[family];
}

export function chipBySecurityInfoId(chipId: number): ChipDefinition | null {
  return Object.values(CHIPS).find((chip) => chip.detection.securityInfoChipId === chipId) ?? null;
}

export function chipByMagicValue(magic: number): ChipDefinition | null {
  return Object.values(CHIPS).find((chip) => chip.detection.magicValues.includes(magic >>> 0)) ?? null;
}

/**
 * The crystal frequency in MHz. Chips with a fixed crystal say so; the others are measured: the
 * ROM set its UART divider so that crystal / divider ≈ the baud it detected, hence
 * crystal ≈ baud × divider. Boards use 26 MHz or 40 MHz crystals, so the estimate is rounded to one.
 */
export function crystalFromDivider(chip: ChipDefinition, clockDivider: number, baud: number): number {
  if (chip.fixedCrystalMHz !== null) return chip.fixedCrystalMHz;
  const estimate = (baud * (clockDivider & chip.uart.clockDividerMask)) / 1e6 / chip.uart.crystalDivider;
  return estimate > 33 ? 40 : 26;
}
