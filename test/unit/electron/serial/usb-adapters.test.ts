import { describe, expect, it } from 'vitest';
import { describeUsbAdapter, parseUsbId } from '../../../../electron/serial/usb-adapters';

describe('USB adapter names', () => {
  it.each([
    [0x10c4, 0xea60, 'Silicon Labs CP210x'],
    [0x1a86, 0x7523, 'WCH CH340'],
    [0x1a86, 0x55d4, 'WCH CH9102'],
    [0x0403, 0x6001, 'FTDI FT232R'],
    [0x0403, 0x6015, 'FTDI FT231X'],
    [0x303a, 0x1001, 'Espressif USB-JTAG-serial'],
    [0x303a, 0x0002, 'Espressif USB CDC'],
  ])('%s:%s is %s', (vid, pid, name) => {
    expect(describeUsbAdapter(vid, pid)?.name).toBe(name);
  });

  it('marks the USB-JTAG-serial for the usb-reset sequence', () => {
    expect(describeUsbAdapter(0x303a, 0x1001)?.usbJtagSerial).toBe(true);
    expect(describeUsbAdapter(0x10c4, 0xea60)?.usbJtagSerial).toBe(false);
    expect(describeUsbAdapter(0x1234, 0x5678)).toBeNull();
  });

  it('knows how fast each adapter goes, for auto baud', () => {
    expect(describeUsbAdapter(0x10c4, 0xea60)?.maxBaud).toBe(921_600); // CP2102 and CP2102N share an id: the slower
    expect(describeUsbAdapter(0x1a86, 0x7523)?.maxBaud).toBe(2_000_000); // CH340
    expect(describeUsbAdapter(0x0403, 0x6001)?.maxBaud).toBe(2_000_000); // FT232R
  });

  it('parses the hex ids serialport reports', () => {
    expect(parseUsbId('10c4')).toBe(0x10c4);
    expect(parseUsbId('EA60')).toBe(0xea60);
    expect(parseUsbId(undefined)).toBeNull();
    expect(parseUsbId('zz')).toBeNull();
  });
});
