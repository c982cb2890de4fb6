/** ESP32-S2 (single-core Xtensa with native USB). Facts from esptool's ESP32-S2 target. */
import { NEWER_ESP32_ROM, STANDARD_BLOCK_SIZES, exactEraseSize, macFromWords, type ChipDefinition, type RegisterReader } from './types';

const EFUSE_BASE = 0x3f41a000;
const BLOCK1 = EFUSE_BASE + 0x44;
const BLOCK2 = EFUSE_BASE + 0x5c;

const block1 = (read: RegisterReader, word: number): Promise<number> => read(BLOCK1 + 4 * word);

const NAMES: Record<number, string> = {
  0: 'ESP32-S2',
  1: 'ESP32-S2FH2',
  2: 'ESP32-S2FH4',
  102: 'ESP32-S2FNR2',
  100: 'ESP32-S2R2',
};
const FLASH: Record<number, string> = { 0: 'No Embedded Flash', 1: 'Embedded Flash 2MB', 2: 'Embedded Flash 4MB' };
const PSRAM: Record<number, string> = { 0: 'No Embedded PSRAM', 1: 'Embedded PSRAM 2MB', 2: 'Embedded PSRAM 4MB' };
const CALIBRATION: Record<number, string> = {
  0: 'No calibration in BLK2 of efuse',
  1: 'ADC and temperature sensor calibration in BLK2 of efuse V1',
  2: 'ADC and temperature sensor calibration in BLK2 of efuse V2',
};

export const esp32s2: ChipDefinition = {
  family: 'esp32s2',
  name: 'ESP32-S2',
  // Its ROM answers GET_SECURITY_INFO, but without a chip id: the magic value tells it apart.
  detection: { magicValues: [0x000007c6], securityInfoChipId: null },
  romStatusLength: 4,
  bootloaderOffset: 0x1000,
  efuseBase: EFUSE_BASE,
  uart: { clockDividerRegister: 0x3f400014, clockDividerMask: 0xfffff, crystalDivider: 1 },
  fixedCrystalMHz: 40,
  spi: { base: 0x3f402000, usrOffset: 0x18, usr1Offset: 0x1c, usr2Offset: 0x20, mosiDlenOffset: 0x24, misoDlenOffset: 0x28, w0Offset: 0x58 },
  blockSizes: STANDARD_BLOCK_SIZES,
  stubFile: 'stub_flasher_32s2.json',
  rom: NEWER_ESP32_ROM,
  romEraseSize: exactEraseSize,

  async readMac(read) {
    return macFromWords(await block1(read, 1), await block1(read, 0));
  },

  async identify(read) {
    const word3 = await block1(read, 3);
    const word4 = await block1(read, 4);
    const blk2word4 = await read(BLOCK2 + 16);
    const major = (word3 >>> 18) & 0x3;
    const minor = (((word3 >>> 20) & 0x1) << 3) + ((word4 >>> 4) & 0x7);
    const flashCap = (word3 >>> 21) & 0xf;
    const psramCap = (word3 >>> 28) & 0xf;
    const revision = `v${major}.${minor}`;
    const features = [
      'WiFi',
      FLASH[flashCap] ?? 'Unknown Embedded Flash',
      PSRAM[psramCap] ?? 'Unknown Embedded PSRAM',
      CALIBRATION[(blk2word4 >>> 4) & 0x7] ?? 'Unknown Calibration in BLK2',
    ];
    const name = NAMES[flashCap + psramCap * 100] ?? 'unknown ESP32-S2';
    return { description: `${name} (revision ${revision})`, revision, features };
  },
};
