import { describe, expect, it } from 'vitest';
import { firmwareIdentity } from '../../../../../electron/virtual-board/micropython/firmware-identity';

describe('firmwareIdentity', () => {
  it('builds the banner a real board prints for a known release', () => {
    const identity = firmwareIdentity({ firmwareVersion: 'v1.24.1', boardName: 'Kiln virtual board with ESP32', chip: 'esp32' });
    expect(identity.bannerLine).toBe('MicroPython v1.24.1 on 2024-11-29; Kiln virtual board with ESP32');
    expect(identity.release).toBe('1.24.1');
    expect(identity.unameVersion).toBe('v1.24.1 on 2024-11-29');
    expect(identity.sysname).toBe('esp32');
    expect(identity.cpuFrequencyHz).toBe(160_000_000);
  });

  it('takes the date from a version string that carries one, and adds a missing "v"', () => {
    const identity = firmwareIdentity({ firmwareVersion: '1.25.0-preview.42.gabc on 2025-01-02', boardName: 'B', chip: 'esp32s3' });
    expect(identity.bannerLine).toBe('MicroPython v1.25.0-preview.42.gabc on 2025-01-02; B');
    expect(identity.release).toBe('1.25.0-preview');
  });

  it('prints no date rather than a made-up one for an unknown version', () => {
    expect(firmwareIdentity({ firmwareVersion: 'v9.9.9', boardName: 'B', chip: 'esp32' }).bannerLine).toBe('MicroPython v9.9.9; B');
  });

  it('gives ESP8266 its own name, clock and 4-byte chip id', () => {
    const identity = firmwareIdentity({ firmwareVersion: 'v1.23.0', boardName: 'Kiln virtual board with ESP8266', chip: 'esp8266' });
    expect(identity.sysname).toBe('esp8266');
    expect(identity.cpuFrequencyHz).toBe(80_000_000);
    expect(identity.uniqueId).toHaveLength(4);
  });

  it('derives a stable MAC-like unique id from the board name', () => {
    const a = firmwareIdentity({ firmwareVersion: 'v1.24.1', boardName: 'Board A', chip: 'esp32' }).uniqueId;
    const again = firmwareIdentity({ firmwareVersion: 'v1.24.1', boardName: 'Board A', chip: 'esp32' }).uniqueId;
    const b = firmwareIdentity({ firmwareVersion: 'v1.24.1', boardName: 'Board B', chip: 'esp32' }).uniqueId;
    expect(a).toHaveLength(6);
    expect(Array.from(a.subarray(0, 3))).toEqual([0x24, 0x0a, 0xc4]);
    expect(a).toEqual(again);
    expect(a).not.toEqual(b);
  });
});
