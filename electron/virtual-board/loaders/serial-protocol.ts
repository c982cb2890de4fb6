/**
 * The serial protocol as the chips see it (Espressif "Serial Protocol" documentation): command
 * opcodes, the ROM's and the flasher stub's error codes, and helpers to read requests and build
 * responses. Written from the documentation, independent of the host engine in electron/esp.
 */

export const Op = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  READ_FLASH_SLOW: 0x0e,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
  ERASE_FLASH: 0xd0,
  ERASE_REGION: 0xd1,
  READ_FLASH: 0xd2,
  RUN_USER_CODE: 0xd3,
  FLASH_ENCRYPT_DATA: 0xd4,
} as const;

/** Second status byte of a failed ROM response (the first is 1). */
export const RomError = {
  INVALID_MESSAGE: 0x05,
  FAILED_TO_ACT: 0x06,
  INVALID_CRC: 0x07,
  FLASH_WRITE_ERROR: 0x08,
  FLASH_READ_ERROR: 0x09,
  FLASH_READ_LENGTH_ERROR: 0x0a,
  DEFLATE_ERROR: 0x0b,
} as const;

/**
 * First status byte of a failed stub response (the second is 0). Values from the flasher stub's
 * stub_flasher.h; ERASE_REGION returns its own small codes (0x32..0x37) from the erase routine.
 */
export const StubError = {
  BAD_DATA_LEN: 0xc0,
  BAD_DATA_CHECKSUM: 0xc1,
  BAD_BLOCKSIZE: 0xc2,
  INVALID_COMMAND: 0xc3,
  FAILED_SPI_OP: 0xc4,
  FAILED_SPI_UNLOCK: 0xc5,
  NOT_IN_FLASH_MODE: 0xc6,
  INFLATE_ERROR: 0xc7,
  NOT_ENOUGH_DATA: 0xc8,
  TOO_MUCH_DATA: 0xc9,
  CMD_NOT_IMPLEMENTED: 0xff,
  ERASE_ADDR_UNALIGNED: 0x32,
  ERASE_LEN_UNALIGNED: 0x33,
  ERASE_SECTOR_FAILED: 0x35,
  ERASE_BLOCK_FAILED: 0x36,
  ERASE_TAIL_FAILED: 0x37,
  MD5_READ_FAILED: 0x63,
} as const;

/** The SYNC payload: 0x07 0x07 0x12 0x20 and 32 x 0x55 (the 0x55 run is what auto-baud measures). */
export const SYNC_PAYLOAD: Uint8Array = (() => {
  const p = new Uint8Array(36).fill(0x55);
  p.set([0x07, 0x07, 0x12, 0x20]);
  return p;
})();

/** Seed of the XOR checksum over the data of MEM_DATA / FLASH_DATA / FLASH_DEFL_DATA. */
export const CHECKSUM_SEED = 0xef;

/** Stub and ROM both erase in 4 KiB sectors and 64 KiB blocks. */
export const SECTOR_SIZE = 0x1000;
export const BLOCK_SIZE = 0x10000;
/** The stub's MAX_WRITE_BLOCK: largest FLASH_DATA block and the size of its receive buffers. */
export const STUB_MAX_WRITE_BLOCK = 0x4000;

/** A decoded request: header fields plus the payload, which aliases the received frame. */
export interface Request {
  op: number;
  /** The size field of the header (may disagree with the payload actually received). */
  size: number;
  checksum: number;
  data: Uint8Array;
}

/** Parses a SLIP payload as a request; null when it is not one (too short, wrong direction byte). */
export function parseRequest(frame: Uint8Array): Request | null {
  if (frame.length < 8 || frame[0] !== 0x00) return null;
  return {
    op: frame[1] ?? 0,
    size: (frame[2] ?? 0) | ((frame[3] ?? 0) << 8),
    checksum: readU32(frame, 4),
    data: frame.subarray(8),
  };
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8) | ((bytes[offset + 2] ?? 0) << 16) | ((bytes[offset + 3] ?? 0) << 24)) >>> 0
  );
}

export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
  bytes[offset + 2] = (value >>> 16) & 0xff;
  bytes[offset + 3] = (value >>> 24) & 0xff;
}

export function xorChecksum(data: Uint8Array): number {
  let c = CHECKSUM_SEED;
  for (let i = 0; i < data.length; i++) c ^= data[i] as number;
  return c;
}

/**
 * A response packet: direction 1, the opcode, size, the 32-bit value field, then body and status.
 * `size` is what goes in the header; the stub writes its own idea of it (2 for most commands).
 */
export function buildResponse(op: number, value: number, body: Uint8Array, status: Uint8Array, size?: number): Uint8Array {
  const out = new Uint8Array(8 + body.length + status.length);
  out[0] = 0x01;
  out[1] = op;
  const len = size ?? body.length + status.length;
  out[2] = len & 0xff;
  out[3] = (len >>> 8) & 0xff;
  writeU32(out, 4, value);
  out.set(body, 8);
  out.set(status, 8 + body.length);
  return out;
}

export function hasSyncPayload(data: Uint8Array): boolean {
  if (data.length !== SYNC_PAYLOAD.length) return false;
  for (let i = 0; i < data.length; i++) if (data[i] !== SYNC_PAYLOAD[i]) return false;
  return true;
}
