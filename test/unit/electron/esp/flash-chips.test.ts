import { describe, expect, it } from 'vitest';
import { capacityFromByte, decodeJedecId, describeFlash, looksAbsent } from '../../../../electron/esp/flash-chips';

const MB = 1024 * 1024;

describe('JEDEC flash ids', () => {
  it.each([
    [0xef, 0x4016, 'Winbond', 'W25Q32', 4 * MB],
    [0xc8, 0x4016, 'GigaDevice', 'GD25Q32', 4 * MB],
    [0x20, 0x4016, 'XMC', 'XM25QH32B', 4 * MB],
    [0xe0, 0x4014, 'Berg Micro', 'BG25Q80A', 1 * MB],
    [0xc2, 0x2018, 'Macronix', 'MX25L12835F', 16 * MB],
    [0x9d, 0x6016, 'ISSI', 'IS25LP032', 4 * MB],
    [0x85, 0x6015, 'Puya', 'P25Q16H', 2 * MB],
    [0x5e, 0x4016, 'Zbit', 'ZB25VQ32', 4 * MB],
    [0x68, 0x4017, 'Boya', 'BY25Q64', 8 * MB],
    [0xa1, 0x4016, 'Fudan', 'FM25Q32', 4 * MB],
    [0x1c, 0x3016, 'Eon', 'EN25Q32', 4 * MB],
    [0x20, 0xba18, 'Micron', 'N25Q128', 16 * MB],
  ])('manufacturer 0x%s device 0x%s is %s %s', (manufacturer, device, vendor, model, size) => {
    expect(describeFlash(manufacturer, device)).toEqual({ manufacturerId: manufacturer, deviceId: device, vendor, model, sizeBytes: size });
  });

  it('decodes the W0 register layout (manufacturer in the low byte, capacity in the third)', () => {
    const info = decodeJedecId(0x1440e0);
    expect(info).toMatchObject({ manufacturerId: 0xe0, deviceId: 0x4014, model: 'BG25Q80A', sizeBytes: MB });
  });

  it('still gives a size for unknown ids from the capacity byte', () => {
    const info = describeFlash(0x77, 0x4017);
    expect(info.vendor).toBe('Unknown (0x77)');
    expect(info.model).toBeNull();
    expect(info.sizeBytes).toBe(8 * MB);
    expect(describeFlash(0xef, 0x4099).sizeBytes).toBeNull();
    expect(describeFlash(0xc8, 0x6536).model).toBeNull();
    expect(describeFlash(0xc8, 0x6536).sizeBytes).toBe(4 * MB);
  });

  it('maps capacity bytes like esptool does', () => {
    expect(capacityFromByte(0x12)).toBe(256 * 1024);
    expect(capacityFromByte(0x18)).toBe(16 * MB);
    expect(capacityFromByte(0x39)).toBe(32 * MB);
    expect(capacityFromByte(0x20)).toBe(64 * MB);
    expect(capacityFromByte(0x22)).toBe(256 * MB);
    expect(capacityFromByte(0x11)).toBeNull();
    expect(capacityFromByte(0xff)).toBeNull();
  });

  it('treats all-ones and all-zeros as no flash', () => {
    expect(looksAbsent(0xffffff)).toBe(true);
    expect(looksAbsent(0)).toBe(true);
    expect(looksAbsent(0x1640ef)).toBe(false);
  });
});
