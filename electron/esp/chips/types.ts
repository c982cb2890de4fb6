/**
 * The shape of a chip family's description. Each family's file is mostly data (detection values,
 * register addresses, block sizes, what its ROM loader can do) plus two or three small decoding
 * functions that read efuse words through a register reader, the way esptool's targets do.
 */
import type { ChipFamily } from '../../../shared/types/chips';

/** Reads one 32-bit register of the chip (READ_REG); injected so decoders are pure and testable. */
export type RegisterReader = (address: number) => Promise<number>;

/** The SPI flash controller registers run_spiflash_command-style flash commands go through. */
export interface SpiRegisters {
  base: number;
  usrOffset: number;
  usr1Offset: number;
  usr2Offset: number;
  /** ESP32 and later: separate MOSI/MISO bit-length registers; the ESP8266 packs them into USR1. */
  mosiDlenOffset: number | null;
  misoDlenOffset: number | null;
  w0Offset: number;
}

/** What the chip's ROM serial loader can do without the flasher stub. */
export interface RomCapabilities {
  /** FLASH_DEFL_BEGIN/DATA/END. */
  compressedWrite: boolean;
  /** SPI_FLASH_MD5. */
  md5: boolean;
  /** CHANGE_BAUDRATE. */
  changeBaud: boolean;
  /** SPI_ATTACH (the ESP8266 ROM attaches the flash on FLASH_BEGIN instead). */
  spiAttach: boolean;
  /** SPI_SET_PARAMS (the ESP8266 ROM lacks it; skipping it is harmless there). */
  setParams: boolean;
  /** FLASH_BEGIN / FLASH_DEFL_BEGIN take a fifth word, "begin encrypted" (newer ROMs). */
  flashBeginEncryptWord: boolean;
  /** GET_SECURITY_INFO. */
  securityInfo: boolean;
  /** READ_FLASH_SLOW: the ROM reads flash itself, 64 bytes per request (ESP32 family; the ESP8266 ROM cannot read flash). */
  readFlashSlow: boolean;
}

export interface ChipIdentity {
  /** e.g. "ESP32-D0WD-V3 (revision v3.0)". */
  description: string;
  /** e.g. "v3.0"; "n/a" where the chip has no revision fuses (ESP8266). */
  revision: string;
  features: string[];
}

export interface ChipDefinition {
  family: ChipFamily;
  name: string;
  detection: {
    /** Values of the register at 0x40001000 (the older chips' way to tell themselves apart). */
    magicValues: readonly number[];
    /** Chip id in GET_SECURITY_INFO's answer, on chips whose ROM reports one; null otherwise. */
    securityInfoChipId: number | null;
  };
  /** Status bytes at the end of the ROM loader's responses (the stub always sends 2). */
  romStatusLength: 2 | 4;
  /** Where the ROM bootloader reads the first image from flash. */
  bootloaderOffset: number;
  efuseBase: number;
  uart: {
    /** UART clock divider register: divider × baud ≈ the UART's clock, from which the crystal follows. */
    clockDividerRegister: number;
    clockDividerMask: number;
    /** The UART clock is the crystal divided by this. */
    crystalDivider: number;
  };
  /** Chips whose crystal is always the same report it without measuring. */
  fixedCrystalMHz: number | null;
  spi: SpiRegisters;
  blockSizes: {
    /** MEM_DATA block size (stub upload). */
    ram: number;
    /** FLASH_DATA block size through the ROM. */
    romFlash: number;
    /** FLASH_DATA block size through the stub (its MAX_WRITE_BLOCK). */
    stubFlash: number;
  };
  /** File name of the flasher stub in esptool-js's stub_flasher folder. */
  stubFile: string;
  rom: RomCapabilities;
  /**
   * The erase size to put in the ROM's FLASH_BEGIN for a write of `size` bytes at `offset`.
   * The ESP8266 ROM miscounts (see esp8266.ts); everywhere else it is the size itself.
   */
  romEraseSize(offset: number, size: number): number;
  readMac(read: RegisterReader): Promise<Uint8Array>;
  identify(read: RegisterReader): Promise<ChipIdentity>;
}

/** The register at which the older ROMs expose their chip's magic value. */
export const CHIP_DETECT_MAGIC_REG = 0x40001000;

export const STANDARD_BLOCK_SIZES = { ram: 0x1800, romFlash: 0x400, stubFlash: 0x4000 } as const;

export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The MAC layout of the ESP32 family: the low 16 bits of `high` then all of `low`, big-endian. */
export function macFromWords(high: number, low: number): Uint8Array {
  return Uint8Array.from([(high >>> 8) & 0xff, high & 0xff, (low >>> 24) & 0xff, (low >>> 16) & 0xff, (low >>> 8) & 0xff, low & 0xff]);
}

/**
 * The ROM loader of the ESP32 generation after the original ESP32 (C3, S2, S3): everything the
 * ESP32's ROM has, plus GET_SECURITY_INFO and the 5-word FLASH_BEGIN with its encryption flag.
 */
export const NEWER_ESP32_ROM: ChipDefinition['rom'] = {
  compressedWrite: true,
  md5: true,
  changeBaud: true,
  spiAttach: true,
  setParams: true,
  flashBeginEncryptWord: true,
  securityInfo: true,
  readFlashSlow: true,
};

/** ESP32-family ROMs erase exactly what FLASH_BEGIN asks (only the ESP8266 ROM miscounts). */
export const exactEraseSize: ChipDefinition['romEraseSize'] = (_offset, size) => size;
