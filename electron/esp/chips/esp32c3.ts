/** ESP32-C3 (single-core RISC-V). Facts from esptool's ESP32-C3 target. */
import { NEWER_ESP32_ROM, STANDARD_BLOCK_SIZES, exactEraseSize, macFromWords, type ChipDefinition, type RegisterReader } from './types';

const EFUSE_BASE = 0x60008800;
/** Efuse block 1 (system data: MAC, package, revision, embedded flash). */
const BLOCK1 = EFUSE_BASE + 0x44;

const block1 = (read: RegisterReader, word: number): Promise<number> => read(BLOCK1 + 4 * word);

const PACKAGES: Record<number, string> = {
  0: 'ESP32-C3 (QFN32)',
  1: 'ESP8685 (QFN28)',
  2: 'ESP32-C3 AZ (QFN32)',
  3: 'ESP8686 (QFN24)',
};
const EMBEDDED_FLASH: Record<number, string | null> = {
  0: null,
  1: 'Embedded Flash 4MB',
  2: 'Embedded Flash 2MB',
  3: 'Embedded Flash 1MB',
  4: 'Embedded Flash 8MB',
};
const FLASH_VENDORS: Record<number, string> = { 1: 'XMC', 2: 'GD', 3: 'FM', 4: 'TT', 5: 'ZBIT' };

export const esp32c3: ChipDefinition = {
  family: 'esp32c3',
  name: 'ESP32-C3',
  // Detected by the chip id its ROM reports; the magic values are the fallback for old ROM revisions.
  detection: { magicValues: [0x6921506f, 0x1b31506f, 0x4881606f, 0x4361606f], securityInfoChipId: 5 },
  romStatusLength: 4,
  bootloaderOffset: 0x0,
  efuseBase: EFUSE_BASE,
  uart: { clockDividerRegister: 0x60000014, clockDividerMask: 0xfffff, crystalDivider: 1 },
  fixedCrystalMHz: 40,
  spi: { base: 0x60002000, usrOffset: 0x18, usr1Offset: 0x1c, usr2Offset: 0x20, mosiDlenOffset: 0x24, misoDlenOffset: 0x28, w0Offset: 0x58 },
  blockSizes: STANDARD_BLOCK_SIZES,
  stubFile: 'stub_flasher_32c3.json',
  rom: NEWER_ESP32_ROM,
  romEraseSize: exactEraseSize,

  async readMac(read) {
    return macFromWords(await block1(read, 1), await block1(read, 0));
  },

  async identify(read) {
    const word3 = await block1(read, 3);
    const word4 = await block1(read, 4);
    const word5 = await block1(read, 5);
    const major = (word5 >>> 24) & 0x3;
    const minor = (((word5 >>> 23) & 0x1) << 3) + ((word3 >>> 18) & 0x7);
    const pkg = (word3 >>> 21) & 0x7;
    const revision = `v${major}.${minor}`;
    const features = ['WiFi', 'BLE'];
    const flash = EMBEDDED_FLASH[(word3 >>> 27) & 0x7];
    if (flash === undefined) features.push('Unknown Embedded Flash');
    else if (flash !== null) features.push(`${flash} (${FLASH_VENDORS[word4 & 0x7] ?? ''})`);
    return { description: `${PACKAGES[pkg] ?? 'unknown ESP32-C3'} (revision ${revision})`, revision, features };
  },
};
