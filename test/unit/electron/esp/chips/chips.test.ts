import { describe, expect, it } from 'vitest';
import { CHIPS, chipByMagicValue, chipBySecurityInfoId, crystalFromDivider, formatMac } from '../../../../../electron/esp/chips';
import { esp8266RomEraseSize } from '../../../../../electron/esp/chips/esp8266';
import type { RegisterReader } from '../../../../../electron/esp/chips/types';

/** A register map for decoders; unknown addresses read 0, like unprogrammed efuses. */
function registers(values: Record<number, number>): RegisterReader {
  return async (address) => values[address] ?? 0;
}

describe('chip descriptions', () => {
  it('have the documented bootloader offsets and status lengths', () => {
    expect(CHIPS.esp8266.bootloaderOffset).toBe(0x0);
    expect(CHIPS.esp32.bootloaderOffset).toBe(0x1000);
    expect(CHIPS.esp32s2.bootloaderOffset).toBe(0x1000);
    expect(CHIPS.esp32c3.bootloaderOffset).toBe(0x0);
    expect(CHIPS.esp32s3.bootloaderOffset).toBe(0x0);
    expect(CHIPS.esp8266.romStatusLength).toBe(2);
    for (const family of ['esp32', 'esp32c3', 'esp32s2', 'esp32s3'] as const) expect(CHIPS[family].romStatusLength).toBe(4);
  });

  it('are found by magic value or security-info chip id', () => {
    expect(chipByMagicValue(0xfff0c101)?.family).toBe('esp8266');
    expect(chipByMagicValue(0x00f01d83)?.family).toBe('esp32');
    expect(chipByMagicValue(0x000007c6)?.family).toBe('esp32s2');
    expect(chipByMagicValue(0x1b31506f)?.family).toBe('esp32c3');
    expect(chipByMagicValue(0x9)?.family).toBe('esp32s3');
    expect(chipByMagicValue(0x12345678)).toBeNull();
    expect(chipBySecurityInfoId(5)?.family).toBe('esp32c3');
    expect(chipBySecurityInfoId(9)?.family).toBe('esp32s3');
    expect(chipBySecurityInfoId(2)).toBeNull(); // the S2's ROM does not report its id
  });

  it('name their stub files as esptool-js ships them', () => {
    expect(Object.values(CHIPS).map((c) => c.stubFile)).toEqual([
      'stub_flasher_8266.json',
      'stub_flasher_32.json',
      'stub_flasher_32c3.json',
      'stub_flasher_32s2.json',
      'stub_flasher_32s3.json',
    ]);
  });
});

describe('ESP8266 decoding', () => {
  it('uses the Espressif OUI when OTP word 3 is blank', async () => {
    const read = registers({ 0x3ff00050: 0x12000000, 0x3ff00054: 0x00003456 });
    expect(formatMac(await CHIPS.esp8266.readMac(read))).toBe('18:fe:34:34:56:12');
    const read2 = registers({ 0x3ff00050: 0x12000000, 0x3ff00054: 0x00013456 });
    expect(formatMac(await CHIPS.esp8266.readMac(read2))).toBe('ac:d0:74:34:56:12');
  });

  it('takes the OUI from OTP word 3 when set', async () => {
    const read = registers({ 0x3ff00050: 0x9a000000, 0x3ff00054: 0x00007856, 0x3ff0005c: 0x00aabbcc });
    expect(formatMac(await CHIPS.esp8266.readMac(read))).toBe('aa:bb:cc:78:56:9a');
  });

  it('tells an ESP8285 from an ESP8266EX', async () => {
    expect(await CHIPS.esp8266.identify(registers({}))).toMatchObject({ description: 'ESP8266EX', features: ['WiFi'] });
    const esp8285 = await CHIPS.esp8266.identify(registers({ 0x3ff00050: 1 << 4 }));
    expect(esp8285.description).toBe('ESP8285N08');
    expect(esp8285.features).toContain('Embedded Flash');
  });

  it('compensates for the ROM erase-size bug like esptool', () => {
    expect(esp8266RomEraseSize(0, 0)).toBe(0);
    expect(esp8266RomEraseSize(0, 0x1000)).toBe(0x1000);
    expect(esp8266RomEraseSize(0, 0x10000)).toBe(0x8000);
    expect(esp8266RomEraseSize(0, 0x20000)).toBe(0x10000);
    expect(esp8266RomEraseSize(0xf000, 0x3000)).toBe(0x2000);
    expect(esp8266RomEraseSize(0x10000, 0x100000)).toBe(0xf0000);
  });
});

describe('ESP32 decoding', () => {
  const base = 0x3ff5a000;
  it('reads the MAC from efuse words 1 and 2 (CRC byte dropped)', async () => {
    const read = registers({ [base + 4]: 0xaabbccdd, [base + 8]: 0x1234eeff });
    expect(formatMac(await CHIPS.esp32.readMac(read))).toBe('ee:ff:aa:bb:cc:dd');
  });

  it('describes a v3 D0WD with its features', async () => {
    const word3 = (1 << 9) | (1 << 15) | (1 << 13); // package 1, rev bit 0, rated frequency 240 MHz
    const word5 = (1 << 20) | (1 << 24); // rev bit 1, minor 1
    const read = registers({ [base + 12]: word3, [base + 20]: word5, [0x3ff6607c]: 0x80000000 });
    const identity = await CHIPS.esp32.identify(read);
    expect(identity.description).toBe('ESP32-D0WD-V3 (revision v3.1)');
    expect(identity.revision).toBe('v3.1');
    expect(identity.features).toEqual(['WiFi', 'BT', 'Dual Core', '240MHz', 'Coding Scheme None']);
  });

  it('says single core, no BT, 160 MHz and embedded flash where the efuses say so', async () => {
    const word3 = 1 | (1 << 1) | (2 << 9) | (1 << 13) | (1 << 12);
    const identity = await CHIPS.esp32.identify(registers({ [base + 12]: word3, [base + 24]: 1 }));
    expect(identity.description).toBe('ESP32-D2WD (revision v0.0)');
    expect(identity.features).toEqual(['WiFi', 'Single Core', '160MHz', 'Embedded Flash', 'Coding Scheme 3/4']);
  });
});

describe('ESP32-C3/S2/S3 decoding', () => {
  it('reads MACs from efuse block 1', async () => {
    for (const [family, base] of [
      ['esp32c3', 0x60008800],
      ['esp32s2', 0x3f41a000],
      ['esp32s3', 0x60007000],
    ] as const) {
      const read = registers({ [base + 0x44]: 0x33445566, [base + 0x48]: 0x00001122 });
      expect(formatMac(await CHIPS[family].readMac(read))).toBe('11:22:33:44:55:66');
    }
  });

  it('decodes the C3 package and revision', async () => {
    const block1 = 0x60008800 + 0x44;
    const read = registers({ [block1 + 12]: (0 << 21) | (4 << 18), [block1 + 20]: 0 << 24 });
    expect(await CHIPS.esp32c3.identify(read)).toMatchObject({ description: 'ESP32-C3 (QFN32) (revision v0.4)', features: ['WiFi', 'BLE'] });
  });

  it('decodes S2 embedded flash/PSRAM into its name', async () => {
    const block1 = 0x3f41a000 + 0x44;
    const read = registers({ [block1 + 12]: (2 << 21) | (1 << 18) });
    const identity = await CHIPS.esp32s2.identify(read);
    expect(identity.description).toBe('ESP32-S2FH4 (revision v1.0)');
    expect(identity.features).toContain('Embedded Flash 4MB');
  });

  it('decodes S3 revision v0.2', async () => {
    const block1 = 0x60007000 + 0x44;
    const read = registers({ [block1 + 12]: 2 << 18 });
    expect((await CHIPS.esp32s3.identify(read)).description).toBe('ESP32-S3 (QFN56) (revision v0.2)');
  });
});

describe('crystal detection', () => {
  it('measures 40 MHz and 26 MHz from the UART divider and baud', () => {
    expect(crystalFromDivider(CHIPS.esp32, Math.round(40e6 / 115200), 115200)).toBe(40);
    expect(crystalFromDivider(CHIPS.esp32, Math.round(26e6 / 115200), 115200)).toBe(26);
    expect(crystalFromDivider(CHIPS.esp32, Math.round(40e6 / 921600), 921600)).toBe(40);
    // The ESP8266 UART runs from twice the crystal.
    expect(crystalFromDivider(CHIPS.esp8266, Math.round((2 * 26e6) / 115200), 115200)).toBe(26);
  });

  it('reports the fixed crystal of newer chips', () => {
    expect(crystalFromDivider(CHIPS.esp32c3, 0, 115200)).toBe(40);
    expect(crystalFromDivider(CHIPS.esp32s3, 12345, 115200)).toBe(40);
  });
});
