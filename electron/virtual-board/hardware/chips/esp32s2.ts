import { Op } from '../../loaders/serial-protocol';
import { ESP32_ROM_COMMANDS } from './esp32';
import { hex, newRomResetLine, newRomRunLog, type NewRomTexts } from './rom-text';
import type { ChipDescription } from './types';

/**
 * ESP32-S2. Detected by its magic value: its ROM has GET_SECURITY_INFO but answers the older
 * 12-byte form without a chip id. Bootloader at 0x1000 like the ESP32.
 */

const EFUSE = 0x3f41a000;
const BLOCK1 = EFUSE + 0x44;

const TEXTS: NewRomTexts = {
  banner: 'ESP-ROM:esp32s2-rc4-20191025\r\nBuild:Oct 25 2019\r\n',
  resetNames: {
    'power-on': '0x1 (POWERON)',
    external: '0x1 (POWERON)',
    software: '0x3 (RTC_SW_SYS_RST)',
    watchdog: '0x10 (RTCWDT_RTC_RST)',
  },
  downloadLabel: 'DOWNLOAD(USB/UART0/1)',
};

export const esp32s2: ChipDescription = {
  family: 'esp32s2',
  name: 'ESP32-S2',
  romStatusLength: 4,
  romCommands: new Set([...ESP32_ROM_COMMANDS, Op.GET_SECURITY_INFO]),
  romFlashBeginWords: 5,
  romNeedsSpiAttach: true,
  securityInfo: { length: 12, chipId: 2, apiVersion: 0 },
  romBaud: 115200,
  appBaud: 115200,
  uartClockHz: 40_000_000,
  uartClkdivReg: 0x3f400014,
  uartClkdivHasFraction: true,
  magicValue: 0x000007c6,
  fixedRegisters: [[BLOCK1 + 12, 0]],
  macRegisters(mac) {
    const [m0, m1, m2, m3, m4, m5] = mac as unknown as [number, number, number, number, number, number];
    return [
      [BLOCK1, ((m2 << 24) | (m3 << 16) | (m4 << 8) | m5) >>> 0],
      [BLOCK1 + 4, (m0 << 8) | m1],
    ];
  },
  // GPIO_STRAP: bit 3 GPIO0, bit 2 GPIO46 -> 0x8 flash boot, 0x0 download.
  gpioStrap: { reg: 0x3f404038, download: 0x0, spiBoot: 0x8 },
  spi: { base: 0x3f402000, usrOffset: 0x18, usr1Offset: 0x1c, usr2Offset: 0x20, w0Offset: 0x58, mosiDlenOffset: 0x24, misoDlenOffset: 0x28, addrRegMsb: false },
  bootloaderOffset: 0x1000,
  imageChipId: 2,
  ramRegions: [
    [0x3ffb0000, 0x40000000],
    [0x40020000, 0x40070000],
    [0x50000000, 0x50002000],
  ],
  defaultOui: [0x7c, 0xdf, 0xa1],
  bootLog: {
    download: (cause, strap) => `${newRomResetLine(TEXTS, cause, strap, TEXTS.downloadLabel)}waiting for download\r\n`,
    run: (cause, strap, image) => newRomRunLog(TEXTS, cause, strap, image),
    failed: (cause, strap, word) => `${newRomResetLine(TEXTS, cause, strap, 'SPI_FAST_FLASH_BOOT')}invalid header: ${hex(word, 8)}\r\n`,
    failedRepeat: { intervalMs: 1000, text: (word) => `invalid header: ${hex(word, 8)}\r\n` },
    crash: (pc) => `Guru Meditation Error: Core  0 panic'ed (InstrFetchProhibited). Exception was unhandled.\r\nPC      : ${hex(pc, 8)}\r\n`,
  },
};
