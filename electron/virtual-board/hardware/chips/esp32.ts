import { Op } from '../../loaders/serial-protocol';
import { clockDivider, flashModeName, hex } from './rom-text';
import type { BootImageSummary, ChipDescription, ResetCause } from './types';

/**
 * ESP32 (ESP32-D0WD-V3, revision v3.0, on a DevKitC-style board with a 40 MHz crystal).
 * Its ROM answers with 4 status bytes, needs SPI_ATTACH before touching flash, writes compressed
 * data itself, returns MD5 as 32 hex characters, reads flash 64 bytes at a time (READ_FLASH_SLOW),
 * and has no GET_SECURITY_INFO. Boot log at 115200 baud.
 */

const EFUSE = 0x3ff5a000;

export const ESP32_ROM_COMMANDS: ReadonlySet<number> = new Set([
  Op.FLASH_BEGIN,
  Op.FLASH_DATA,
  Op.FLASH_END,
  Op.MEM_BEGIN,
  Op.MEM_END,
  Op.MEM_DATA,
  Op.SYNC,
  Op.WRITE_REG,
  Op.READ_REG,
  Op.SPI_SET_PARAMS,
  Op.SPI_ATTACH,
  Op.READ_FLASH_SLOW,
  Op.CHANGE_BAUDRATE,
  Op.FLASH_DEFL_BEGIN,
  Op.FLASH_DEFL_DATA,
  Op.FLASH_DEFL_END,
  Op.SPI_FLASH_MD5,
]);

const RESET_NAMES: Record<ResetCause, string> = {
  // Pulling EN (CHIP_PU) low is a full power-on reset on the ESP32.
  'power-on': '0x1 (POWERON_RESET)',
  external: '0x1 (POWERON_RESET)',
  software: '0xc (SW_CPU_RESET)',
  watchdog: '0x10 (RTCWDT_RTC_RESET)',
};

const BANNER = 'ets Jun  8 2016 00:22:57\r\n\r\n';

function resetLine(cause: ResetCause, strap: number, label: string): string {
  return `${BANNER}rst:${RESET_NAMES[cause]},boot:${hex(strap)} (${label})\r\n`;
}

function runLog(cause: ResetCause, strap: number, image: BootImageSummary): string {
  let s = resetLine(cause, strap, 'SPI_FAST_FLASH_BOOT');
  s += 'configsip: 0, SPIWP:0xee\r\n';
  s += 'clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n';
  s += `mode:${flashModeName(image)}, clock div:${clockDivider(image)}\r\n`;
  for (const seg of image.segments) s += `load:${hex(seg.address, 8)},len:${seg.length}\r\n`;
  s += `entry ${hex(image.entry, 8)}\r\n`;
  return s;
}

/** CRC-8 (Dallas/Maxim, reflected polynomial 0x8c) the ESP32 stores next to its factory MAC. */
export function macCrc8(mac: Uint8Array): number {
  let crc = 0;
  for (const byte of mac) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0x8c : crc >>> 1;
  }
  return crc;
}

export const esp32: ChipDescription = {
  family: 'esp32',
  name: 'ESP32',
  romStatusLength: 4,
  romCommands: ESP32_ROM_COMMANDS,
  romFlashBeginWords: 4,
  romNeedsSpiAttach: true,
  securityInfo: null,

  romBaud: 115200,
  appBaud: 115200,
  // In the ROM the APB (and UART) clock is the 40 MHz crystal: divider 40e6 / baud.
  uartClockHz: 40_000_000,
  uartClkdivReg: 0x3ff40014,
  uartClkdivHasFraction: true,

  magicValue: 0x00f01d83,
  fixedRegisters: [
    [EFUSE + 0x00, 0x00000000], // BLK0 word 0: flash crypt count 0, nothing read-protected
    // word 3: package 1 (D0WD, bits 9..11), rev bit 0 (bit 15), CPU rated 240 MHz (bit 13 set, bit 12 clear)
    [EFUSE + 0x0c, (1 << 9) | (1 << 15) | (1 << 13)],
    // word 4: CK8M frequency 100 (bits 0..7), used by the ROM baud-change calibration below
    [EFUSE + 0x10, 100],
    [EFUSE + 0x14, 1 << 20], // word 5: rev bit 1; minor revision 0; default SPI pads
    [EFUSE + 0x18, 0x00000000], // word 6: coding scheme none, secure boot off
    // APB_CTL_DATE: bit 31 is revision bit 2 -> major revision 3.
    [0x3ff6607c, 0x96042000],
    // RTCCALICFG1: calibration value 1024 (bits 7..31); with CK8M 100 the ROM computes exactly 40 MHz,
    // so esptool's baud correction for the ROM (false_rom_baud) is the identity.
    [0x3ff5f06c, 1024 << 7],
    [0x3ff48074, 0x00000000], // RTC_CNTL_SDIO_CONF: no VDD_SDIO override
  ],
  macRegisters(mac) {
    const [m0, m1, m2, m3, m4, m5] = mac as unknown as [number, number, number, number, number, number];
    return [
      [EFUSE + 0x04, ((m2 << 24) | (m3 << 16) | (m4 << 8) | m5) >>> 0],
      [EFUSE + 0x08, (macCrc8(mac) << 16) | (m0 << 8) | m1],
    ];
  },
  // GPIO_STRAP bits: 0x10 GPIO0, 0x02 MTDO, 0x01 GPIO5 -> 0x13 flash boot, 0x03 download.
  gpioStrap: { reg: 0x3ff44038, download: 0x03, spiBoot: 0x13 },

  spi: {
    base: 0x3ff42000,
    usrOffset: 0x1c,
    usr1Offset: 0x20,
    usr2Offset: 0x24,
    w0Offset: 0x80,
    mosiDlenOffset: 0x28,
    misoDlenOffset: 0x2c,
    addrRegMsb: true,
  },

  bootloaderOffset: 0x1000,
  imageChipId: 0,
  ramRegions: [
    [0x3ff80000, 0x3ff82000], // RTC DRAM
    [0x3ffae000, 0x40000000], // DRAM
    [0x40070000, 0x400c2000], // cache-as-IRAM, IRAM, RTC IRAM
    [0x50000000, 0x50002000], // RTC data
  ],
  defaultOui: [0x24, 0x0a, 0xc4],
  bootLog: {
    download: (cause, strap) => `${resetLine(cause, strap, 'DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2)')}waiting for download\r\n`,
    run: runLog,
    // With nothing valid at 0x1000 the ROM reports the failed read and the RTC watchdog resets it.
    failed: (cause, strap) => `${resetLine(cause, strap, 'SPI_FAST_FLASH_BOOT')}flash read err, 1000\r\nets_main.c 371 \r\n`,
    failedRepeat: {
      intervalMs: 1000,
      text: (_word, strap) => `${resetLine('watchdog', strap, 'SPI_FAST_FLASH_BOOT')}flash read err, 1000\r\nets_main.c 371 \r\n`,
    },
    crash: (pc) =>
      `Guru Meditation Error: Core  0 panic'ed (InstrFetchProhibited). Exception was unhandled.\r\nPC      : ${hex(pc, 8)}\r\n`,
  },
};
