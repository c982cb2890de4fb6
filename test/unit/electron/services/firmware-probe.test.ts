import { describe, expect, it } from 'vitest';
import { findMicroPythonBanner, isErased } from '../../../../electron/services/firmware-probe';

describe('finding MicroPython in flash bytes', () => {
  it('reads the version, date and board from the banner string', () => {
    const bytes = new Uint8Array(600).fill(0x12);
    bytes.set(new TextEncoder().encode('MicroPython v1.28.0 on 2026-04-06; ESP32 module with ESP32\0'), 300);
    expect(findMicroPythonBanner(bytes)).toEqual({ version: 'v1.28.0', date: '2026-04-06', banner: 'MicroPython v1.28.0 on 2026-04-06; ESP32 module with ESP32' });
  });

  it('knows previews, and finds nothing in other bytes', () => {
    const preview = new TextEncoder().encode('xxMicroPython v1.29.0-preview.41.g0123abcd on 2026-05-10; Generic ESP8266 module with ESP8266');
    expect(findMicroPythonBanner(preview)?.version).toBe('v1.29.0-preview.41.g0123abcd');
    expect(findMicroPythonBanner(new TextEncoder().encode('CircuitPython 9.0 MicroPython-ish'))).toBeNull();
    expect(isErased(new Uint8Array(16).fill(0xff))).toBe(true);
    expect(isErased(Uint8Array.of(0xff, 0xfe))).toBe(false);
  });
});
