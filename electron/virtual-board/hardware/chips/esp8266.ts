import { Op } from '../../loaders/serial-protocol';
import { hex } from './rom-text';
import type { BootImageSummary, ChipDescription, ResetCause } from './types';

/**
 * ESP8266EX. Its ROM loader is the oldest: 2 status bytes, only the nine original commands (no
 * SPI_ATTACH, no compressed writes, no MD5, no READ_FLASH, no baud change), the erase-size quirk in
 * FLASH_BEGIN (modelled in rom-loader.ts), and a boot log at 74880 baud (26 MHz crystal).
 */

/** "rst cause:N": 1 power-on, 2 external reset (EN pin), 4 hardware watchdog. */
const RST_CAUSE: Record<ResetCause, number> = { 'power-on': 1, external: 2, software: 2, watchdog: 4 };

/** "boot mode:(a,b)": a = 1 UART download, 3 flash boot; b is 7 after power-on and 6 after a reset. */
function banner(cause: ResetCause, download: boolean): string {
  const second = cause === 'power-on' ? 7 : 6;
  return `\r\n ets Jan  8 2013,rst cause:${RST_CAUSE[cause]}, boot mode:(${download ? 1 : 3},${second})\r\n\r\n`;
}

function runLog(cause: ResetCause, image: BootImageSummary): string {
  let s = banner(cause, false);
  let running = 0xef;
  for (const seg of image.segments) {
    running ^= seg.length & 0xff; // the ROM prints a running checksum; any stable byte serves the log
    s += `load ${hex(seg.address, 8)}, len ${seg.length}, room 16 \r\ntail ${seg.length % 16}\r\nchksum ${hex(running & 0xff, 2)}\r\n`;
  }
  s += `csum ${hex(image.checksum, 2)}\r\n`;
  return s;
}

export const esp8266: ChipDescription = {
  family: 'esp8266',
  name: 'ESP8266',
  romStatusLength: 2,
  romCommands: new Set([
    Op.FLASH_BEGIN,
    Op.FLASH_DATA,
    Op.FLASH_END,
    Op.MEM_BEGIN,
    Op.MEM_END,
    Op.MEM_DATA,
    Op.SYNC,
    Op.WRITE_REG,
    Op.READ_REG,
  ]),
  romFlashBeginWords: 4,
  romNeedsSpiAttach: false,
  securityInfo: null,

  romBaud: 74880,
  appBaud: 115200,
  // The UART runs from 2 x the 26 MHz crystal: divider 52e6 / baud (esptool: XTAL_CLK_DIVIDER = 2).
  uartClockHz: 52_000_000,
  uartClkdivReg: 0x60000014,
  uartClkdivHasFraction: false,

  magicValue: 0xfff0c101,
  fixedRegisters: [
    // OTP word 2: bit 16 (efuse bit 80) clear and word 0 bit 4 clear -> "ESP8266EX", not ESP8285.
    [0x3ff00058, 0x00000000],
  ],
  macRegisters(mac) {
    const [m0, m1, m2, m3, m4, m5] = mac as unknown as [number, number, number, number, number, number];
    return [
      // OTP MAC0: bits 24..31 hold the last MAC byte.
      [0x3ff00050, (m5 << 24) >>> 0],
      // OTP MAC1: bytes 4 and 5 of the MAC (bits 8..15, 0..7); bits 16..23 would pick a legacy OUI.
      [0x3ff00054, (m3 << 8) | m4],
      // OTP MAC3: the OUI itself (newer ESP8266 parts carry it here, esptool prefers it when non-zero).
      [0x3ff0005c, (m0 << 16) | (m1 << 8) | m2],
    ];
  },
  // GPIO_IN carries the latched strapping pins (GPIO15, GPIO0, GPIO2) in bits 16..18.
  gpioStrap: { reg: 0x60000318, download: 0x1 << 16, spiBoot: 0x3 << 16 },

  spi: {
    base: 0x60000200,
    usrOffset: 0x1c,
    usr1Offset: 0x20,
    usr2Offset: 0x24,
    w0Offset: 0x40,
    mosiDlenOffset: null,
    misoDlenOffset: null,
    addrRegMsb: true,
  },

  bootloaderOffset: 0x0,
  imageChipId: null,
  ramRegions: [
    [0x3ffe8000, 0x40000000], // DRAM
    [0x40100000, 0x40110000], // IRAM (32 KiB) and the cache area usable as IRAM while the cache is off
  ],
  defaultOui: [0x5c, 0xcf, 0x7f],
  bootLog: {
    download: (cause) => banner(cause, true),
    run: (cause, _strap, image) => runLog(cause, image),
    // No image at 0x0: the ROM reports the failed check from ets_main.c and stops.
    failed: (cause) => `${banner(cause, false)}ets_main.c \r\n`,
    failedRepeat: null,
    crash: (pc) =>
      `\r\nFatal exception (0): \r\nepc1=${hex(pc, 8)}, epc2=0x00000000, epc3=0x00000000, excvaddr=${hex(pc, 8)}, depc=0x00000000\r\n`,
  },
};
