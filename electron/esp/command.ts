/**
 * The command codec of Espressif's serial bootloader protocol, as the "Serial Protocol" page of
 * the esptool documentation describes it. Every packet travels SLIP-framed (see slip.ts):
 *
 *   request:  direction 0x00 | opcode | u16 data size | u32 checksum | data
 *   response: direction 0x01 | opcode | u16 data size | u32 value    | data … status bytes
 *
 * All fields are little-endian. The checksum is only meaningful for the three commands that
 * carry a data payload to be written (MEM_DATA, FLASH_DATA, FLASH_DEFL_DATA): an XOR of the
 * payload bytes seeded with 0xEF. Responses end with status bytes: 2 from the ESP8266 ROM and
 * from every flasher stub, 4 from the ESP32-family ROMs (the last two reserved).
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
  /** ESP32-family ROMs only: up to 64 bytes of flash per request (the ESP8266 ROM has no read command). */
  READ_FLASH_SLOW: 0x0e,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
  // Commands only the flasher stub understands.
  ERASE_FLASH: 0xd0,
  ERASE_REGION: 0xd1,
  READ_FLASH: 0xd2,
  RUN_USER_CODE: 0xd3,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

const OP_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(Op).map(([name, code]) => [code, name]));

export function opName(op: number): string {
  return OP_NAMES.get(op) ?? `0x${op.toString(16).padStart(2, '0')}`;
}

export const DIRECTION_REQUEST = 0x00;
export const DIRECTION_RESPONSE = 0x01;
export const HEADER_LENGTH = 8;
export const CHECKSUM_SEED = 0xef;

/** Payload of SYNC: 0x07 0x07 0x12 0x20 followed by 32 bytes of 0x55 (lets the ROM measure the baud). */
export const SYNC_PAYLOAD: Uint8Array = (() => {
  const payload = new Uint8Array(36).fill(0x55);
  payload.set([0x07, 0x07, 0x12, 0x20], 0);
  return payload;
})();

/** XOR of the bytes, seeded with 0xEF. */
export function checksum(data: Uint8Array, seed: number = CHECKSUM_SEED): number {
  let state = seed;
  for (let i = 0; i < data.length; i++) state ^= data[i]!;
  return state & 0xff;
}

/** Builds the (unframed) request packet. */
export function encodeRequest(op: number, data: Uint8Array = new Uint8Array(0), check = 0): Uint8Array {
  if (data.length > 0xffff) throw new RangeError(`command data too long: ${data.length} bytes`);
  const packet = new Uint8Array(HEADER_LENGTH + data.length);
  const view = new DataView(packet.buffer);
  view.setUint8(0, DIRECTION_REQUEST);
  view.setUint8(1, op);
  view.setUint16(2, data.length, true);
  view.setUint32(4, check >>> 0, true);
  packet.set(data, HEADER_LENGTH);
  return packet;
}

/** The commands whose checksum field must hold checksum(payload after the 16-byte block header). */
export function carriesChecksum(op: number): boolean {
  return op === Op.MEM_DATA || op === Op.FLASH_DATA || op === Op.FLASH_DEFL_DATA;
}

/**
 * A data command (MEM_DATA, FLASH_DATA, FLASH_DEFL_DATA): u32 size, u32 sequence number, two
 * reserved zero words, then the block. The checksum covers the block only.
 */
export function encodeDataCommand(op: number, block: Uint8Array, seq: number): Uint8Array {
  const data = new Uint8Array(16 + block.length);
  const view = new DataView(data.buffer);
  view.setUint32(0, block.length, true);
  view.setUint32(4, seq, true);
  data.set(block, 16);
  return encodeRequest(op, data, checksum(block));
}

/** Packs little-endian u32 words, the shape of nearly every command's data. */
export function packWords(...words: number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  words.forEach((word, i) => view.setUint32(i * 4, word >>> 0, true));
  return out;
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
}

export interface Response {
  op: number;
  /** The 32-bit value field (READ_REG's result, SYNC's ROM/stub marker). */
  value: number;
  /** Everything after the header: response data followed by the status bytes. */
  body: Uint8Array;
}

/** Decodes a response packet; null for anything that is not one (a request echo, noise, "OHAI"). */
export function decodeResponse(packet: Uint8Array): Response | null {
  if (packet.length < HEADER_LENGTH || packet[0] !== DIRECTION_RESPONSE) return null;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  return { op: packet[1]!, value: view.getUint32(4, true), body: packet.subarray(HEADER_LENGTH) };
}

export interface Status {
  /** 0 = success; anything else is a failure. */
  status: number;
  /** The error code of a failure. */
  error: number;
}

/**
 * Reads the status bytes the way esptool does: they follow the command's expected response
 * data (so 2- and 4-byte status trailers both work). When the body is too short for the expected
 * data, a failing command put its status first. The ROM fails with [1, error]; the stub puts
 * its error code (0xC0…) in the first byte and 0 in the second.
 */
export function responseStatus(body: Uint8Array, respDataLength: number): Status & { complete: boolean } {
  const complete = body.length >= respDataLength + 2;
  const at = complete ? respDataLength : 0;
  const status = body[at] ?? 0;
  const second = body[at + 1] ?? 0;
  return { status, error: status === 1 ? second : status, complete };
}

/** ROM loader error codes (esptool docs, "Serial Protocol" → "Status bytes"). */
const ROM_ERRORS: ReadonlyMap<number, string> = new Map([
  [0x05, 'the board received an invalid message (unsupported command or bad parameters)'],
  [0x06, 'the board failed to act on the message'],
  [0x07, 'the message arrived with an invalid checksum (data corrupted on the wire)'],
  [0x08, 'the flash write failed'],
  [0x09, 'the flash read failed'],
  [0x0a, 'the flash read length was wrong'],
  [0x0b, 'the compressed data could not be inflated'],
]);

/** Flasher stub error codes (esptool's stub source, stub_flasher.h). */
const STUB_ERRORS: ReadonlyMap<number, string> = new Map([
  [0xc0, 'the data length did not match'],
  [0xc1, 'the data arrived with a bad checksum (corrupted on the wire)'],
  [0xc2, 'the block size was not accepted'],
  [0xc3, 'the stub did not recognise the command'],
  [0xc4, 'an SPI flash operation failed'],
  [0xc5, 'the SPI flash could not be unlocked (write-protected?)'],
  [0xc6, 'the stub was not in flash-writing mode'],
  [0xc7, 'the compressed data could not be inflated'],
  [0xc8, 'the stub received less data than announced'],
  [0xc9, 'the stub received more data than announced'],
  [0xff, 'the command is not implemented'],
  // The stub's erase routine and MD5 report their own small codes.
  [0x32, 'the erase address is not a multiple of 4096'],
  [0x33, 'the erase length is not a multiple of 4096'],
  [0x35, 'erasing a flash sector failed'],
  [0x36, 'erasing a flash block failed'],
  [0x37, 'erasing the end of the region failed'],
  [0x63, 'reading flash to compute the MD5 failed'],
]);

export function describeErrorCode(code: number): string {
  return ROM_ERRORS.get(code) ?? STUB_ERRORS.get(code) ?? `unknown error 0x${code.toString(16).padStart(2, '0')}`;
}

/** The ROM's "invalid message" code; an unsupported command answers with it. */
export const ERROR_INVALID_MESSAGE = 0x05;
export const ERROR_CHECKSUM = 0x07;
export const STUB_ERROR_CHECKSUM = 0xc1;
export const STUB_ERROR_INVALID_COMMAND = 0xc3;
export const STUB_ERROR_NOT_IMPLEMENTED = 0xff;
