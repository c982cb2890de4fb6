/**
 * What firmware seems to be in some flash bytes, from the bytes alone: MicroPython (its banner
 * "MicroPython v1.24.1 on 2024-11-29; ..." is in every build), erased flash, another boot image,
 * or unknown. A stand-in until the wizard's firmware probe lands; the lead unifies the two.
 */
import type { ChipFamily } from '../../../shared/types/chips';
import type { FirmwareGuess } from '../../../shared/types/backups';
import { BOOTLOADER_OFFSETS } from '../../esp/image';

const BANNER = Buffer.from('MicroPython v', 'latin1');
/** Every boot image (ESP8266 and ESP32 family) starts with this byte. */
const IMAGE_MAGIC = 0xe9;
/** ESP-IDF apps carry an esp_app_desc_t 32 bytes in: its magic, then version and project name. */
const APP_DESC_MAGIC = 0xabcd5432;
const ESP32_APP_OFFSET = 0x10000;

/** `bytes` are the flash from `offset` on (a whole-flash backup has offset 0). */
export function guessFirmware(bytes: Uint8Array, chip: ChipFamily, offset = 0): FirmwareGuess {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const banner = findBanner(buffer);
  if (banner) return banner;
  const appDesc = chip === 'esp8266' ? null : readAppDesc(buffer, ESP32_APP_OFFSET - offset);
  if (appDesc?.project === 'micropython') {
    return { kind: 'micropython', version: appDesc.version, summary: `MicroPython ${appDesc.version}` };
  }
  if (isErased(buffer)) return { kind: 'empty', version: null, summary: 'Erased (nothing on it)' };
  if (appDesc) return { kind: 'other', version: null, summary: `${appDesc.project || 'An ESP-IDF app'} ${appDesc.version}`.trim() };
  const boot = BOOTLOADER_OFFSETS[chip] - offset;
  if (boot >= 0 && boot < buffer.length && buffer[boot] === IMAGE_MAGIC) {
    return { kind: 'other', version: null, summary: 'Other firmware (not MicroPython)' };
  }
  return { kind: 'unknown', version: null, summary: 'Unknown contents' };
}

function findBanner(buffer: Buffer): FirmwareGuess | null {
  const at = buffer.indexOf(BANNER);
  if (at < 0) return null;
  const tail = buffer.subarray(at + BANNER.length - 1, at + BANNER.length + 80).toString('latin1');
  const match = /^(v\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.+-]+)?)(?: on (\d{4}-\d{2}-\d{2}))?/.exec(tail);
  if (!match?.[1]) return null;
  return { kind: 'micropython', version: match[1], summary: `MicroPython ${match[1]}${match[2] ? ` (${match[2]})` : ''}` };
}

function readAppDesc(buffer: Buffer, at: number): { version: string; project: string } | null {
  const desc = at + 32;
  if (at < 0 || desc + 80 > buffer.length || buffer[at] !== IMAGE_MAGIC) return null;
  if (buffer.readUInt32LE(desc) !== APP_DESC_MAGIC) return null;
  const text = (start: number, length: number) => buffer.subarray(start, start + length).toString('latin1').replace(/\0.*$/s, '');
  return { version: text(desc + 16, 32), project: text(desc + 48, 32) };
}

function isErased(buffer: Buffer): boolean {
  for (let i = 0; i < buffer.length; i++) if (buffer[i] !== 0xff) return false;
  return buffer.length > 0;
}
