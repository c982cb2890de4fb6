import { describe, expect, it } from 'vitest';
import {
  Op,
  SYNC_PAYLOAD,
  checksum,
  decodeResponse,
  describeErrorCode,
  encodeDataCommand,
  encodeRequest,
  packWords,
  responseStatus,
} from '../../../../electron/esp/command';

describe('command codec', () => {
  it('uses the documented opcodes', () => {
    expect(Op).toMatchObject({
      FLASH_BEGIN: 0x02, FLASH_DATA: 0x03, FLASH_END: 0x04, MEM_BEGIN: 0x05, MEM_END: 0x06, MEM_DATA: 0x07,
      SYNC: 0x08, WRITE_REG: 0x09, READ_REG: 0x0a, SPI_SET_PARAMS: 0x0b, SPI_ATTACH: 0x0d, CHANGE_BAUDRATE: 0x0f,
      FLASH_DEFL_BEGIN: 0x10, FLASH_DEFL_DATA: 0x11, FLASH_DEFL_END: 0x12, SPI_FLASH_MD5: 0x13, GET_SECURITY_INFO: 0x14,
      ERASE_FLASH: 0xd0, ERASE_REGION: 0xd1, READ_FLASH: 0xd2, RUN_USER_CODE: 0xd3,
    });
  });

  it('seeds the checksum with 0xEF and XORs every byte', () => {
    expect(checksum(new Uint8Array(0))).toBe(0xef);
    expect(checksum(Uint8Array.from([0xef]))).toBe(0);
    expect(checksum(Uint8Array.from([0x01, 0x02, 0x04]))).toBe(0xef ^ 0x07);
  });

  it('lays out a request: direction 0, opcode, little-endian size and checksum, data', () => {
    const packet = encodeRequest(Op.READ_REG, packWords(0x40001000), 0x1234abcd);
    expect(Array.from(packet)).toEqual([0x00, 0x0a, 0x04, 0x00, 0xcd, 0xab, 0x34, 0x12, 0x00, 0x10, 0x00, 0x40]);
  });

  it('builds SYNC with 07 07 12 20 and 32 bytes of 0x55', () => {
    expect(SYNC_PAYLOAD.length).toBe(36);
    expect(Array.from(SYNC_PAYLOAD.subarray(0, 4))).toEqual([0x07, 0x07, 0x12, 0x20]);
    expect(SYNC_PAYLOAD.subarray(4).every((b) => b === 0x55)).toBe(true);
  });

  it('puts the block checksum in data commands and a 16-byte block header before the data', () => {
    const block = Uint8Array.from([1, 2, 3, 4, 5]);
    const packet = encodeDataCommand(Op.FLASH_DATA, block, 7);
    const view = new DataView(packet.buffer);
    expect(view.getUint16(2, true)).toBe(16 + 5);
    expect(view.getUint32(4, true)).toBe(checksum(block));
    expect(view.getUint32(8, true)).toBe(5); // data size
    expect(view.getUint32(12, true)).toBe(7); // sequence
    expect(view.getUint32(16, true)).toBe(0);
    expect(view.getUint32(20, true)).toBe(0);
    expect(Array.from(packet.subarray(24))).toEqual([1, 2, 3, 4, 5]);
  });

  it('decodes responses and ignores anything that is not one', () => {
    const packet = Uint8Array.from([0x01, 0x0a, 0x02, 0x00, 0x83, 0x1d, 0xf0, 0x00, 0x00, 0x00]);
    expect(decodeResponse(packet)).toMatchObject({ op: 0x0a, value: 0x00f01d83 });
    expect(decodeResponse(Uint8Array.from([0x00, 0x0a, 0, 0, 0, 0, 0, 0]))).toBeNull();
    expect(decodeResponse(new TextEncoder().encode('OHAI'))).toBeNull();
  });

  it('reads status after the expected data for both 2- and 4-byte trailers', () => {
    expect(responseStatus(Uint8Array.from([0, 0]), 0)).toMatchObject({ status: 0, complete: true });
    expect(responseStatus(Uint8Array.from([1, 0x07, 0, 0]), 0)).toMatchObject({ status: 1, error: 0x07 });
    const md5 = new Uint8Array(16 + 2);
    md5[16] = 1;
    md5[17] = 0xc1;
    expect(responseStatus(md5, 16)).toMatchObject({ status: 1, error: 0xc1, complete: true });
    // The stub fails with its error code first and 0 after it.
    expect(responseStatus(Uint8Array.from([0xc1, 0x00]), 0)).toMatchObject({ status: 0xc1, error: 0xc1 });
    // A failing command that sends no data puts its status first.
    expect(responseStatus(Uint8Array.from([1, 0x05]), 32)).toMatchObject({ status: 1, error: 0x05, complete: false });
  });

  it('turns error codes into readable text', () => {
    expect(describeErrorCode(0x07)).toMatch(/checksum/);
    expect(describeErrorCode(0x05)).toMatch(/invalid message/);
    expect(describeErrorCode(0xc1)).toMatch(/checksum/);
    expect(describeErrorCode(0xc7)).toMatch(/inflate/);
    expect(describeErrorCode(0x42)).toMatch(/unknown error 0x42/);
  });
});
