/**
 * Which chip answers: newer ROMs report a chip id in GET_SECURITY_INFO; older ones (ESP8266,
 * ESP32, ESP32-S2) are told apart by the magic value at 0x40001000. Security info is asked
 * first where it exists, as esptool does; its absence costs one short failed command.
 */
import { readU32 } from './command';
import { CHIP_DETECT_MAGIC_REG, chipByMagicValue, chipBySecurityInfoId, type ChipDefinition } from './chips';
import { CommandFailedError, CommandTimeoutError, UnknownChipError, UnsupportedCommandError } from './errors';
import type { EspLoader } from './loader';

/** Long enough for any ROM that knows the command; short for those that stay silent. */
const SECURITY_INFO_TIMEOUT_MS = 500;

/** The chip id in a GET_SECURITY_INFO answer (20 data bytes + status), or null if it has none (ESP32-S2: 12 bytes). */
export function chipIdFromSecurityInfo(body: Uint8Array): number | null {
  return body.length >= 22 ? readU32(body, 12) : null;
}

export async function detectChip(loader: EspLoader): Promise<ChipDefinition> {
  try {
    const chipId = chipIdFromSecurityInfo(await loader.securityInfo(SECURITY_INFO_TIMEOUT_MS));
    const chip = chipId === null ? null : chipBySecurityInfoId(chipId);
    if (chip) return chip;
    if (chipId !== null && chipId !== 0) throw new UnknownChipError(`chip id ${chipId}`);
  } catch (error) {
    const expected = error instanceof UnsupportedCommandError || error instanceof CommandFailedError || error instanceof CommandTimeoutError;
    if (!expected) throw error;
  }
  const magic = await loader.readReg(CHIP_DETECT_MAGIC_REG);
  const chip = chipByMagicValue(magic);
  if (!chip) throw new UnknownChipError(`magic value 0x${magic.toString(16).padStart(8, '0')}`);
  return chip;
}
