/** ESP32-S3 (dual-core Xtensa with native USB). Facts from esptool's ESP32-S3 target. */
import { NEWER_ESP32_ROM, STANDARD_BLOCK_SIZES, exactEraseSize, macFromWords, type ChipDefinition, type RegisterReader } from './types';

const EFUSE_BASE = 0x60007000;
const BLOCK1 = EFUSE_BASE + 0x44;
const BLOCK2 = EFUSE_BASE + 0x5c;

const block1 = (read: RegisterReader, word: number): Promise<number> => read(BLOCK1 + 4 * word);

const PACKAGES: Record<number, string> = { 0: 'ESP32-S3 (QFN56)', 1: 'ESP32-S3-PICO-1 (LGA56)' };
const FLASH: Record<number, string | null> = { 0: null, 1: 'Embedded Flash 8MB', 2: 'Embedded Flash 4MB' };
const FLASH_VENDORS: Record<number, string> = { 1: 'XMC', 2: 'GD', 3: 'FM', 4: 'TT', 5: 'BY' };
const PSRAM: Record<number, string | null> = {
  0: null,
  1: 'Embedded PSRAM 8MB',
  2: 'Embedded PSRAM 2MB',
  3: 'Embedded PSRAM 16MB',
  4: 'Embedded PSRAM 4MB',
};
const PSRAM_VENDORS: Record<number, string> = { 1: 'AP_3v3', 2: 'AP_1v8' };

export const esp32s3: ChipDefinition = {
  family: 'esp32s3',
  name: 'ESP32-S3',
  detection: { magicValues: [0x9], securityInfoChipId: 9 },
  romStatusLength: 4,
  bootloaderOffset: 0x0,
  efuseBase: EFUSE_BASE,
  uart: { clockDividerRegister: 0x60000014, clockDividerMask: 0xfffff, crystalDivider: 1 },
  fixedCrystalMHz: 40,
  spi: { base: 0x60002000, usrOffset: 0x18, usr1Offset: 0x1c, usr2Offset: 0x20, mosiDlenOffset: 0x24, misoDlenOffset: 0x28, w0Offset: 0x58 },
  blockSizes: STANDARD_BLOCK_SIZES,
  stubFile: 'stub_flasher_32s3.json',
  rom: NEWER_ESP32_ROM,
  romEraseSize: exactEraseSize,

  async readMac(read) {
    return macFromWords(await block1(read, 1), await block1(read, 0));
  },

  async identify(read) {
    const word3 = await block1(read, 3);
    const word4 = await block1(read, 4);
    const word5 = await block1(read, 5);
    const blk2word4 = await read(BLOCK2 + 16);
    const minorRaw = (((word5 >>> 23) & 0x1) << 3) + ((word3 >>> 18) & 0x7);
    // Chips of the very first batch (v0.0) reused the major-revision field; their block version
    // (v1.1) gives them away.
    const eco0 = (minorRaw & 0x7) === 0 && (blk2word4 & 0x3) === 1 && ((word3 >>> 24) & 0x7) === 1;
    const major = eco0 ? 0 : (word5 >>> 24) & 0x3;
    const minor = eco0 ? 0 : minorRaw;
    const pkg = (word3 >>> 21) & 0x7;
    const revision = `v${major}.${minor}`;
    const features = ['WiFi', 'BLE'];
    const flash = FLASH[(word3 >>> 27) & 0x7];
    if (flash === undefined) features.push('Unknown Embedded Flash');
    else if (flash !== null) features.push(`${flash} (${FLASH_VENDORS[word4 & 0x7] ?? ''})`);
    const psramCap = (((word5 >>> 19) & 0x1) << 2) | ((word4 >>> 3) & 0x3);
    const psram = PSRAM[psramCap];
    if (psram === undefined) features.push('Unknown Embedded PSRAM');
    else if (psram !== null) features.push(`${psram} (${PSRAM_VENDORS[(word4 >>> 7) & 0x3] ?? ''})`);
    return { description: `${PACKAGES[pkg] ?? 'unknown ESP32-S3'} (revision ${revision})`, revision, features };
  },
};
