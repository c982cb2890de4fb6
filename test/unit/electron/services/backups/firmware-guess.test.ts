import { describe, expect, it } from 'vitest';
import { guessFirmware } from '../../../../../electron/services/backups/firmware-guess';
import { buildDemoFirmware } from '../../../../../electron/virtual-board/demo-firmware';

function flashWith(size: number, at: number, bytes: Uint8Array): Uint8Array {
  const flash = new Uint8Array(size).fill(0xff);
  flash.set(bytes, at);
  return flash;
}

describe('guessFirmware', () => {
  it('finds the MicroPython banner and its build date', () => {
    const demo = buildDemoFirmware('esp8266', { version: 'v1.23.0', date: '2024-06-02' });
    expect(guessFirmware(flashWith(0x10000, 0, demo.data), 'esp8266')).toEqual({ kind: 'micropython', version: 'v1.23.0', summary: 'MicroPython v1.23.0 (2024-06-02)' });
  });

  it('reads an ESP-IDF app description at 0x10000 (MicroPython or another project)', () => {
    const app = new Uint8Array(0x100);
    app[0] = 0xe9;
    new DataView(app.buffer).setUint32(32, 0xabcd5432, true);
    const put = (at: number, text: string) => app.set(new TextEncoder().encode(text), at);
    put(32 + 16, 'v1.22.2');
    put(32 + 48, 'micropython');
    expect(guessFirmware(flashWith(0x20000, 0x10000, app), 'esp32')).toMatchObject({ kind: 'micropython', version: 'v1.22.2' });
    put(32 + 48, 'blink\0\0\0\0\0\0');
    expect(guessFirmware(flashWith(0x20000, 0x10000, app), 'esp32')).toMatchObject({ kind: 'other', summary: 'blink v1.22.2' });
    // The same bytes seen from a backup of a region starting at 0x1000.
    expect(guessFirmware(flashWith(0x20000, 0x10000, app).subarray(0x1000), 'esp32', 0x1000)).toMatchObject({ kind: 'other' });
  });

  it('tells erased flash, another boot image and unknown bytes apart', () => {
    expect(guessFirmware(new Uint8Array(4096).fill(0xff), 'esp32').kind).toBe('empty');
    expect(guessFirmware(flashWith(0x4000, 0x1000, Uint8Array.of(0xe9, 3, 2, 0x20)), 'esp32').kind).toBe('other');
    expect(guessFirmware(new Uint8Array(4096), 'esp8266').kind).toBe('unknown');
  });
});
