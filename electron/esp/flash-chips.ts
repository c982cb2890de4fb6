/**
 * What a SPI flash chip's JEDEC id (RDID, 0x9F) says: the manufacturer byte, then a memory-type
 * byte and a capacity byte. The table names the parts found on ESP boards and modules; an id not
 * in it still gets its size from the capacity byte, which every vendor here encodes as log2(bytes)
 * (with two known offsets, see `capacityFromByte`).
 */
import type { FlashInfo } from '../../shared/types/device';

const MB = 1024 * 1024;
const KB = 1024;

export const FLASH_VENDORS: Readonly<Record<number, string>> = {
  0x01: 'Spansion/Cypress',
  0x0b: 'XTX',
  0x1c: 'Eon',
  0x1f: 'Adesto',
  0x20: 'XMC / Micron',
  0x2c: 'Micron',
  0x5e: 'Zbit',
  0x68: 'Boya',
  0x85: 'Puya',
  0x8c: 'ESMT',
  0x9d: 'ISSI',
  0xa1: 'Fudan',
  0xc2: 'Macronix',
  0xc8: 'GigaDevice',
  0xe0: 'Berg Micro',
  0xef: 'Winbond',
};

interface KnownPart {
  vendor?: string;
  model: string;
  size: number;
}

/** Key: manufacturer << 16 | memory type << 8 | capacity. */
const PARTS: ReadonlyMap<number, KnownPart> = new Map<number, KnownPart>([
  // Winbond
  [0xef4012, { model: 'W25Q20', size: 256 * KB }],
  [0xef4013, { model: 'W25Q40', size: 512 * KB }],
  [0xef4014, { model: 'W25Q80', size: 1 * MB }],
  [0xef4015, { model: 'W25Q16', size: 2 * MB }],
  [0xef4016, { model: 'W25Q32', size: 4 * MB }],
  [0xef4017, { model: 'W25Q64', size: 8 * MB }],
  [0xef4018, { model: 'W25Q128', size: 16 * MB }],
  [0xef4019, { model: 'W25Q256', size: 32 * MB }],
  [0xef6016, { model: 'W25Q32FW', size: 4 * MB }],
  [0xef7016, { model: 'W25Q32JV-IM', size: 4 * MB }],
  [0xef7018, { model: 'W25Q128JV-IM', size: 16 * MB }],
  // GigaDevice
  [0xc84013, { model: 'GD25Q40', size: 512 * KB }],
  [0xc84014, { model: 'GD25Q80', size: 1 * MB }],
  [0xc84015, { model: 'GD25Q16', size: 2 * MB }],
  [0xc84016, { model: 'GD25Q32', size: 4 * MB }],
  [0xc84017, { model: 'GD25Q64', size: 8 * MB }],
  [0xc84018, { model: 'GD25Q128', size: 16 * MB }],
  [0xc86016, { model: 'GD25LQ32', size: 4 * MB }],
  // XMC shares manufacturer id 0x20 with Micron (formerly Numonyx/ST); the memory type tells them apart.
  [0x204015, { vendor: 'XMC', model: 'XM25QH16', size: 2 * MB }],
  [0x204016, { vendor: 'XMC', model: 'XM25QH32B', size: 4 * MB }],
  [0x204017, { vendor: 'XMC', model: 'XM25QH64', size: 8 * MB }],
  [0x204018, { vendor: 'XMC', model: 'XM25QH128', size: 16 * MB }],
  [0x20ba16, { vendor: 'Micron', model: 'N25Q032', size: 4 * MB }],
  [0x20ba17, { vendor: 'Micron', model: 'N25Q064', size: 8 * MB }],
  [0x20ba18, { vendor: 'Micron', model: 'N25Q128', size: 16 * MB }],
  // Berg Micro (ESP-01 modules)
  [0xe04013, { model: 'BG25Q40A', size: 512 * KB }],
  [0xe04014, { model: 'BG25Q80A', size: 1 * MB }],
  [0xe04015, { model: 'BG25Q16A', size: 2 * MB }],
  [0xe04016, { model: 'BG25Q32', size: 4 * MB }],
  // Macronix
  [0xc22014, { model: 'MX25L8006E', size: 1 * MB }],
  [0xc22015, { model: 'MX25L1606E', size: 2 * MB }],
  [0xc22016, { model: 'MX25L3233F', size: 4 * MB }],
  [0xc22017, { model: 'MX25L6433F', size: 8 * MB }],
  [0xc22018, { model: 'MX25L12835F', size: 16 * MB }],
  // ISSI
  [0x9d6016, { model: 'IS25LP032', size: 4 * MB }],
  [0x9d6017, { model: 'IS25LP064', size: 8 * MB }],
  [0x9d6018, { model: 'IS25LP128', size: 16 * MB }],
  // Puya
  [0x856014, { model: 'P25Q80H', size: 1 * MB }],
  [0x856015, { model: 'P25Q16H', size: 2 * MB }],
  [0x856016, { model: 'P25Q32H', size: 4 * MB }],
  [0x856017, { model: 'P25Q64H', size: 8 * MB }],
  // Zbit
  [0x5e4014, { model: 'ZB25VQ80', size: 1 * MB }],
  [0x5e4015, { model: 'ZB25VQ16', size: 2 * MB }],
  [0x5e4016, { model: 'ZB25VQ32', size: 4 * MB }],
  [0x5e4017, { model: 'ZB25VQ64', size: 8 * MB }],
  // Boya
  [0x684014, { model: 'BY25Q80', size: 1 * MB }],
  [0x684015, { model: 'BY25Q16', size: 2 * MB }],
  [0x684016, { model: 'BY25Q32', size: 4 * MB }],
  [0x684017, { model: 'BY25Q64', size: 8 * MB }],
  [0x684018, { model: 'BY25Q128', size: 16 * MB }],
  // Fudan
  [0xa14014, { model: 'FM25Q08', size: 1 * MB }],
  [0xa14015, { model: 'FM25Q16', size: 2 * MB }],
  [0xa14016, { model: 'FM25Q32', size: 4 * MB }],
  [0xa14017, { model: 'FM25Q64', size: 8 * MB }],
  // Eon
  [0x1c3014, { model: 'EN25Q80', size: 1 * MB }],
  [0x1c3015, { model: 'EN25Q16', size: 2 * MB }],
  [0x1c3016, { model: 'EN25Q32', size: 4 * MB }],
  [0x1c3017, { model: 'EN25Q64', size: 8 * MB }],
  [0x1c7016, { model: 'EN25QH32', size: 4 * MB }],
  [0x1c7017, { model: 'EN25QH64', size: 8 * MB }],
  [0x1c7018, { model: 'EN25QH128', size: 16 * MB }],
  // XTX
  [0x0b4016, { model: 'XT25F32B', size: 4 * MB }],
  [0x0b4017, { model: 'XT25F64B', size: 8 * MB }],
]);

/**
 * Capacity from the capacity byte, as esptool's size detection reads it: 0x12–0x1C mean 2^n
 * bytes; some 1.8 V and large parts use 0x32–0x3A for the same sizes, and 0x20–0x22 for
 * 64–256 MB. Anything else is not a size.
 */
export function capacityFromByte(capacity: number): number | null {
  if (capacity >= 0x12 && capacity <= 0x1c) return 2 ** capacity;
  if (capacity >= 0x32 && capacity <= 0x3a) return 2 ** (capacity - 0x20);
  if (capacity >= 0x20 && capacity <= 0x22) return 64 * MB * 2 ** (capacity - 0x20);
  return null;
}

/**
 * Decodes the RDID answer as the SPI controller's W0 register holds it after a 24-bit read:
 * the first byte on the wire (manufacturer) in bits 0–7, memory type in 8–15, capacity in 16–23.
 */
export function decodeJedecId(w0: number): FlashInfo {
  const manufacturerId = w0 & 0xff;
  const memoryType = (w0 >>> 8) & 0xff;
  const capacity = (w0 >>> 16) & 0xff;
  return describeFlash(manufacturerId, (memoryType << 8) | capacity);
}

/** deviceId = memory type << 8 | capacity byte, as esptool prints it ("Device: 4016"). */
export function describeFlash(manufacturerId: number, deviceId: number): FlashInfo {
  const part = PARTS.get(((manufacturerId & 0xff) << 16) | (deviceId & 0xffff));
  const vendorName = part?.vendor ?? FLASH_VENDORS[manufacturerId];
  return {
    manufacturerId,
    deviceId,
    vendor: vendorName ?? `Unknown (0x${manufacturerId.toString(16).padStart(2, '0')})`,
    model: part?.model ?? null,
    sizeBytes: part?.size ?? capacityFromByte(deviceId & 0xff),
  };
}

/** A chip that answers all ones or all zeros is not there (or the SPI pins are wrong). */
export function looksAbsent(w0: number): boolean {
  const id = w0 & 0xffffff;
  return id === 0xffffff || id === 0;
}
