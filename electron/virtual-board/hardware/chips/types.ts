import type { ChipFamily } from '../../../../shared/types/chips';

/**
 * What the virtual board needs to know about one chip family, as plain data: the values its ROM
 * reports, where its registers live, what its ROM loader supports and what its boot ROM prints.
 * One small file per chip (esp8266.ts, esp32.ts, ...) fills this in; the loaders and the board are
 * generic. Facts come from Espressif's serial-protocol and boot-mode documentation and from the
 * register addresses esptool reads.
 */
export interface ChipDescription {
  family: ChipFamily;
  /** As Espressif writes it: "ESP32-C3". */
  name: string;

  // --- ROM loader protocol -------------------------------------------------------------------
  /** Status bytes at the end of every ROM response: 2 on the ESP8266, 4 on the ESP32 family. */
  romStatusLength: 2 | 4;
  /** Opcodes the ROM loader understands; anything else gets the "invalid message" reply. */
  romCommands: ReadonlySet<number>;
  /** FLASH_BEGIN / FLASH_DEFL_BEGIN payload words the ROM expects (5 where it takes an "encrypted" flag). */
  romFlashBeginWords: 4 | 5;
  /** The ROM only talks to SPI flash after SPI_ATTACH (ESP32 family); the ESP8266 ROM attaches on FLASH_BEGIN. */
  romNeedsSpiAttach: boolean;
  /** GET_SECURITY_INFO answer length (12 on the S2, 20 with chip id and ECO on later chips); null: the ROM lacks it. */
  securityInfo: { length: 12 | 20; chipId: number; apiVersion: number } | null;

  // --- Clocks and UART -----------------------------------------------------------------------
  /** Baud the ROM prints its boot log at and listens at until auto-baud locks on a SYNC. */
  romBaud: number;
  /** Baud a flashed application (MicroPython) uses. */
  appBaud: number;
  /**
   * UART clock in Hz while the ROM runs; the divider register reads clock / baud. esptool multiplies
   * it back by the baud to tell a 40 MHz crystal from a 26 MHz one (the ESP8266 UART runs at 2x crystal).
   */
  uartClockHz: number;
  uartClkdivReg: number;
  /** Whether the divider register has the ESP32-style fractional part in bits 20..23. */
  uartClkdivHasFraction: boolean;

  // --- Detection registers -------------------------------------------------------------------
  /** Word at 0x40001000 (ROM), which esptool uses to tell the chips apart. */
  magicValue: number;
  /** Fixed register values (efuses, dates, calibration) other than the MAC, read-only. */
  fixedRegisters: ReadonlyArray<readonly [address: number, value: number]>;
  /** Where the MAC lives in efuse/OTP words, given the six MAC bytes. */
  macRegisters(mac: Uint8Array): Array<[address: number, value: number]>;
  /** Strapping register and the values it reads for download and normal SPI boot. */
  gpioStrap: { reg: number; download: number; spiBoot: number };

  // --- SPI flash controller ------------------------------------------------------------------
  spi: SpiControllerLayout;

  // --- Images and boot -----------------------------------------------------------------------
  /** Flash offset the ROM loads the (second stage) bootloader or app image from. */
  bootloaderOffset: number;
  /** Chip id in the image's extended header; null for the ESP8266, whose images have none. */
  imageChipId: number | null;
  /** RAM the ROM accepts MEM_BEGIN uploads into (and where an entry point may lie). */
  ramRegions: ReadonlyArray<readonly [start: number, end: number]>;
  /** Default OUI for a MAC derived from the board name (Espressif's registered prefixes). */
  defaultOui: readonly [number, number, number];
  bootLog: BootLogTexts;
}

export interface SpiControllerLayout {
  base: number;
  usrOffset: number;
  usr1Offset: number;
  usr2Offset: number;
  w0Offset: number;
  /** ESP32 family: separate MOSI/MISO bit-length registers. ESP8266: lengths live in USR1. */
  mosiDlenOffset: number | null;
  misoDlenOffset: number | null;
  /** ESP32 left-aligns the address in SPI_ADDR (addr << (32 - bits)); later chips do not. */
  addrRegMsb: boolean;
}

export type ResetCause = 'power-on' | 'external' | 'software' | 'watchdog';

/** One loadable segment of the image the ROM found, for the "load 0x..., len ..." lines. */
export interface BootSegment {
  address: number;
  length: number;
}

export interface BootImageSummary {
  segments: BootSegment[];
  entry: number;
  checksum: number;
  flashModeByte: number;
  flashSizeFreqByte: number;
}

/** The ROM's own messages; every string uses "\r\n" as the chips do. */
export interface BootLogTexts {
  /** Printed at reset when IO0 is low: ends with the ROM waiting for the host. */
  download(cause: ResetCause, strap: number): string;
  /** Printed at reset when IO0 is high and the flash holds a valid image. */
  run(cause: ResetCause, strap: number, image: BootImageSummary): string;
  /** Printed at reset when IO0 is high and there is no valid image at the boot offset. */
  failed(cause: ResetCause, strap: number, firstWord: number): string;
  /** The ROM's retry loop after a failed boot; null: the ROM halts and prints nothing more. */
  failedRepeat: { intervalMs: number; text(firstWord: number, strap: number): string } | null;
  /** What a crash of code started with MEM_END prints (esptool looks for these words). */
  crash(pc: number): string;
}
