import { Op } from '../../loaders/serial-protocol';
import { ESP32_ROM_COMMANDS } from './esp32';
import { hex, newRomResetLine, newRomRunLog, type NewRomTexts } from './rom-text';
import type { ChipDescription } from './types';

/**
 * ESP32-C3 (QFN32, revision v0.4), RISC-V. Same ROM protocol as the ESP32 plus GET_SECURITY_INFO,
 * which carries the chip id (5) that esptool detects it by; FLASH_BEGIN takes a fifth "encrypted" word.
 */

const EFUSE = 0x60008800;
const BLOCK1 = EFUSE + 0x44;

const TEXTS: NewRomTexts = {
  banner: 'ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\n',
  resetNames: {
    'power-on': '0x1 (POWERON)',
    external: '0x1 (POWERON)',
    software: '0x3 (RTC_SW_SYS_RST)',
    watchdog: '0x10 (RTCWDT_RTC_RST)',
  },
  downloadLabel: 'DOWNLOAD(USB/UART0/1)',
};

export const esp32c3: ChipDescription = {
  family: 'esp32c3',
  name: 'ESP32-C3',
  romStatusLength: 4,
  romCommands: new Set([...ESP32_ROM_COMMANDS, Op.GET_SECURITY_INFO]),
  romFlashBeginWords: 5,
  romNeedsSpiAttach: true,
  securityInfo: { length: 20, chipId: 5, apiVersion: 3 },
  romBaud: 115200,
  appBaud: 115200,
  uartClockHz: 40_000_000,
  uartClkdivReg: 0x60000014,
  uartClkdivHasFraction: true,
  magicValue: 0x1b31506f,
  fixedRegisters: [
    [BLOCK1 + 12, 4 << 18], // block 1 word 3: package 0 (QFN32), minor revision low bits = 4
    [BLOCK1 + 20, 0], // word 5: major revision 0
  ],
  macRegisters(mac) {
    const [m0, m1, m2, m3, m4, m5] = mac as unknown as [number, number, number, number, number, number];
    return [
      [BLOCK1, ((m2 << 24) | (m3 << 16) | (m4 << 8) | m5) >>> 0],
      [BLOCK1 + 4, (m0 << 8) | m1],
    ];
  },
  // GPIO_STRAP: bit 3 GPIO9 (boot), bit 2 GPIO8 -> 0xc flash boot, 0x5 download.
  gpioStrap: { reg: 0x60004038, download: 0x5, spiBoot: 0xc },
  spi: { base: 0x60002000, usrOffset: 0x18, usr1Offset: 0x1c, usr2Offset: 0x20, w0Offset: 0x58, mosiDlenOffset: 0x24, misoDlenOffset: 0x28, addrRegMsb: false },
  bootloaderOffset: 0x0,
  imageChipId: 5,
  ramRegions: [
    [0x3fc80000, 0x3fce0000],
    [0x4037c000, 0x403e0000],
    [0x50000000, 0x50002000],
  ],
  defaultOui: [0x58, 0xcf, 0x79],
  bootLog: {
    download: (cause, strap) => `${newRomResetLine(TEXTS, cause, strap, TEXTS.downloadLabel)}waiting for download\r\n`,
    run: (cause, strap, image) => newRomRunLog(TEXTS, cause, strap, image),
    failed: (cause, strap, word) => `${newRomResetLine(TEXTS, cause, strap, 'SPI_FAST_FLASH_BOOT')}invalid header: ${hex(word, 8)}\r\n`,
    failedRepeat: { intervalMs: 1000, text: (word) => `invalid header: ${hex(word, 8)}\r\n` },
    crash: (pc) => `Guru Meditation Error: Core  0 panic'ed (Instruction access fault). Exception was unhandled.\r\nMEPC    : ${hex(pc, 8)}\r\n`,
  },
};
