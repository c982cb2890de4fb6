import { describe, expect, it } from 'vitest';
import { looksLikeWrongBaud, mentionsEsp8266 } from '../../../../electron/repl/boot-line';
import { classifyUnresponsive } from '../../../../electron/repl/errors';
import { resampleUart } from '../../../../electron/virtual-board/wire/uart-resample';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));
const ROM_LINE = '\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\nload 0x40100000, len 31024, room 16 \r\n';

describe('looksLikeWrongBaud', () => {
  it('recognises the ESP8266 ROM line as a 115200-baud receiver sees it', () => {
    expect(looksLikeWrongBaud(resampleUart(bytes(ROM_LINE), 74880, 115200))).toBe(true);
  });

  it('leaves text alone: ASCII, UTF-8, ANSI colours, a short burst', () => {
    expect(looksLikeWrongBaud(bytes(ROM_LINE))).toBe(false);
    expect(looksLikeWrongBaud(new TextEncoder().encode('Grüße aus München, ½ °C — ok\r\n'))).toBe(false);
    expect(looksLikeWrongBaud(bytes('\x1b[31mred\x1b[0m and more text\r\n'))).toBe(false);
    expect(looksLikeWrongBaud(Uint8Array.of(0xff, 0x00, 0x80))).toBe(false);
  });

  it('names the ESP8266 from a banner', () => {
    expect(mentionsEsp8266('MicroPython v1.24.1 on 2024-11-29; ESP module with ESP8266')).toBe(true);
    expect(mentionsEsp8266('MicroPython v1.24.1 on 2024-11-29; Generic ESP32 module with ESP32')).toBe(false);
  });
});

describe('classifyUnresponsive', () => {
  it('tells the bootloader, a board without firmware, other firmware and silence apart', () => {
    expect(classifyUnresponsive(bytes('rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n'))).toBe('bootloader');
    expect(classifyUnresponsive(Uint8Array.of(0xc0, 0x01, 0x08, 0x04, 0, 0, 0, 0, 0, 0x12, 0x20, 0x55, 0x55, 0xc0))).toBe('bootloader');
    expect(classifyUnresponsive(bytes('ets Jun  8 2016 00:22:57\r\ninvalid header: 0xffffffff\r\n'))).toBe('no-firmware');
    expect(classifyUnresponsive(bytes('AT ready\r\nERROR\r\n'))).toBe('other-firmware');
    expect(classifyUnresponsive(resampleUart(bytes(ROM_LINE), 74880, 115200))).toBe('silent');
    expect(classifyUnresponsive(new Uint8Array(0))).toBe('silent');
    expect(classifyUnresponsive(bytes('>>> '))).toBe('silent');
  });
});
