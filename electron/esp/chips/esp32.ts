/** ESP32 (the original dual-core Xtensa chip). Facts from esptool's ESP32 target. */
import { STANDARD_BLOCK_SIZES, exactEraseSize, macFromWords, type ChipDefinition, type RegisterReader } from './types';

const EFUSE_BASE = 0x3ff5a000;
/** APB_CTL_DATE: its top bit is the third bit of the major revision. */
const APB_CTL_DATE = 0x3ff66000 + 0x7c;

const efuse = (read: RegisterReader, word: number): Promise<number> => read(EFUSE_BASE + 4 * word);

/** Major revision from three scattered bits (efuse word 3 bit 15, word 5 bit 20, APB_CTL_DATE bit 31). */
export function esp32MajorRevision(word3: number, word5: number, apbCtlDate: number): number {
  const combined = (((apbCtlDate >>> 31) & 1) << 2) | (((word5 >>> 20) & 1) << 1) | ((word3 >>> 15) & 1);
  return ({ 0: 0, 1: 1, 3: 2, 7: 3 } as Record<number, number>)[combined] ?? 0;
}

function packageName(pkg: number, major: number, singleCore: boolean): string {
  const rev3 = major === 3;
  switch (pkg) {
    case 0:
      return singleCore ? 'ESP32-S0WDQ6' : rev3 ? 'ESP32-D0WDQ6-V3' : 'ESP32-D0WDQ6';
    case 1:
      return singleCore ? 'ESP32-S0WD' : rev3 ? 'ESP32-D0WD-V3' : 'ESP32-D0WD';
    case 2:
      return 'ESP32-D2WD';
    case 4:
      return 'ESP32-U4WDH';
    case 5:
      return rev3 ? 'ESP32-PICO-V3' : 'ESP32-PICO-D4';
    case 6:
      return 'ESP32-PICO-V3-02';
    case 7:
      return 'ESP32-D0WDR2-V3';
    default:
      return 'unknown ESP32';
  }
}

const CODING_SCHEMES = ['None', '3/4', 'Repeat (UNSUPPORTED)', 'None (may contain encoding data)'] as const;

export const esp32: ChipDefinition = {
  family: 'esp32',
  name: 'ESP32',
  detection: { magicValues: [0x00f01d83], securityInfoChipId: null },
  romStatusLength: 4,
  bootloaderOffset: 0x1000,
  efuseBase: EFUSE_BASE,
  uart: { clockDividerRegister: 0x3ff40014, clockDividerMask: 0xfffff, crystalDivider: 1 },
  fixedCrystalMHz: null,
  spi: { base: 0x3ff42000, usrOffset: 0x1c, usr1Offset: 0x20, usr2Offset: 0x24, mosiDlenOffset: 0x28, misoDlenOffset: 0x2c, w0Offset: 0x80 },
  blockSizes: STANDARD_BLOCK_SIZES,
  stubFile: 'stub_flasher_32.json',
  rom: {
    compressedWrite: true,
    md5: true,
    changeBaud: true,
    spiAttach: true,
    setParams: true,
    flashBeginEncryptWord: false,
    securityInfo: false,
    readFlashSlow: true,
  },
  romEraseSize: exactEraseSize,

  async readMac(read) {
    return macFromWords(await efuse(read, 2), await efuse(read, 1));
  },

  async identify(read) {
    const word3 = await efuse(read, 3);
    const word4 = await efuse(read, 4);
    const word5 = await efuse(read, 5);
    const word6 = await efuse(read, 6);
    const major = esp32MajorRevision(word3, word5, await read(APB_CTL_DATE));
    const minor = (word5 >>> 24) & 0x3;
    const pkg = ((word3 >>> 9) & 0x7) + (((word3 >>> 2) & 0x1) << 3);
    const singleCore = (word3 & 1) !== 0;
    const revision = `v${major}.${minor}`;

    const features = ['WiFi'];
    if ((word3 & (1 << 1)) === 0) features.push('BT');
    features.push(singleCore ? 'Single Core' : 'Dual Core');
    if (word3 & (1 << 13)) features.push(word3 & (1 << 12) ? '160MHz' : '240MHz');
    if ([2, 4, 5, 6].includes(pkg)) features.push('Embedded Flash');
    if (pkg === 6) features.push('Embedded PSRAM');
    if ((word4 >>> 8) & 0x1f) features.push('VRef calibration in efuse');
    if ((word3 >>> 14) & 1) features.push('BLK3 partially reserved');
    features.push(`Coding Scheme ${CODING_SCHEMES[word6 & 0x3]}`);

    return { description: `${packageName(pkg, major, singleCore)} (revision ${revision})`, revision, features };
  },
};
