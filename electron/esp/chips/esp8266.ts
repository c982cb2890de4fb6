/** ESP8266 (and ESP8285, the same die with flash inside). Facts from esptool's ESP8266 target. */
import { STANDARD_BLOCK_SIZES, type ChipDefinition, type RegisterReader } from './types';

/** The four 32-bit OTP (efuse) words, EFUSE_DATA_OUT0..3. */
const OTP_WORDS = [0x3ff00050, 0x3ff00054, 0x3ff00058, 0x3ff0005c] as const;

async function readOtp(read: RegisterReader): Promise<[number, number, number, number]> {
  return [await read(OTP_WORDS[0]), await read(OTP_WORDS[1]), await read(OTP_WORDS[2]), await read(OTP_WORDS[3])];
}

const bit = (word: number, n: number): boolean => ((word >>> n) & 1) === 1;

/** Embedded flash size of an ESP8285 in MB, from OTP bits r0[4], r3[25..27]; null when unknown. */
function esp8285FlashMb(r0: number, r3: number): number | null {
  const r0b4 = bit(r0, 4);
  const r3b25 = bit(r3, 25);
  const r3b26 = bit(r3, 26);
  const r3b27 = bit(r3, 27);
  if (r3b27) return null;
  if (r0b4 && !r3b25) return r3b26 ? 2 : 1;
  if (!r0b4 && r3b25) return r3b26 ? 4 : 2;
  return null;
}

/**
 * The ESP8266 ROM's FLASH_BEGIN erases the wrong amount: it counts the sectors up to the next
 * 64 KiB block boundary twice. esptool compensates by asking for less; so do we, so the ROM
 * erases exactly the sectors written (and not the neighbours of a small write).
 */
export function esp8266RomEraseSize(offset: number, size: number): number {
  const sectorsPerBlock = 16;
  const sectorSize = 0x1000;
  const sectors = Math.ceil(size / sectorSize);
  const startSector = Math.floor(offset / sectorSize);
  let headSectors = sectorsPerBlock - (startSector % sectorsPerBlock);
  if (sectors < headSectors) headSectors = sectors;
  if (sectors < 2 * headSectors) return Math.floor((sectors + 1) / 2) * sectorSize;
  return (sectors - headSectors) * sectorSize;
}

/** The 32-bit id the ESP8266 SDK's system_get_chip_id() returns, built from OTP words 0 and 1. */
export async function esp8266ChipId(read: RegisterReader): Promise<number> {
  const [id0, id1] = await readOtp(read);
  return ((id0 >>> 24) | ((id1 & 0xffffff) << 8)) >>> 0;
}

export const esp8266: ChipDefinition = {
  family: 'esp8266',
  name: 'ESP8266',
  detection: { magicValues: [0xfff0c101], securityInfoChipId: null },
  romStatusLength: 2,
  bootloaderOffset: 0x0,
  efuseBase: 0x3ff00050,
  uart: { clockDividerRegister: 0x60000014, clockDividerMask: 0xfffff, crystalDivider: 2 },
  fixedCrystalMHz: null,
  spi: { base: 0x60000200, usrOffset: 0x1c, usr1Offset: 0x20, usr2Offset: 0x24, mosiDlenOffset: null, misoDlenOffset: null, w0Offset: 0x40 },
  blockSizes: STANDARD_BLOCK_SIZES,
  stubFile: 'stub_flasher_8266.json',
  rom: {
    compressedWrite: false,
    md5: false,
    changeBaud: false,
    spiAttach: false,
    setParams: false,
    flashBeginEncryptWord: false,
    securityInfo: false,
    readFlashSlow: false,
  },
  romEraseSize: esp8266RomEraseSize,

  async readMac(read) {
    const [mac0, mac1, , mac3] = await readOtp(read);
    let oui: [number, number, number];
    if (mac3 !== 0) oui = [(mac3 >>> 16) & 0xff, (mac3 >>> 8) & 0xff, mac3 & 0xff];
    else if (((mac1 >>> 16) & 0xff) === 0) oui = [0x18, 0xfe, 0x34];
    else if (((mac1 >>> 16) & 0xff) === 1) oui = [0xac, 0xd0, 0x74];
    else throw new Error('The ESP8266 reports an unknown MAC vendor prefix; its OTP memory may be damaged.');
    return Uint8Array.from([...oui, (mac1 >>> 8) & 0xff, mac1 & 0xff, (mac0 >>> 24) & 0xff]);
  },

  async identify(read) {
    const [r0, , r2, r3] = await readOtp(read);
    // Either OTP bit 4 or bit 80 (word 2, bit 16) marks an ESP8285.
    const is8285 = bit(r0, 4) || bit(r2, 16);
    if (!is8285) return { description: 'ESP8266EX', revision: 'n/a', features: ['WiFi'] };
    const highTemp = bit(r0, 5);
    const flashMb = esp8285FlashMb(r0, r3);
    const name = flashMb === 1 ? `ESP8285${highTemp ? 'H' : 'N'}08` : flashMb === 2 ? `ESP8285${highTemp ? 'H' : 'N'}16` : 'ESP8285';
    return { description: name, revision: 'n/a', features: ['WiFi', 'Embedded Flash'] };
  },
};
