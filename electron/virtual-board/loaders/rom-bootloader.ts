import { InflateStream } from './inflate-stream';
import type { Loader, LoaderHost } from './loader-context';
import {
  buildResponse,
  hasSyncPayload,
  Op,
  parseRequest,
  readU32,
  RomError,
  SECTOR_SIZE,
  STUB_MAX_WRITE_BLOCK,
  SYNC_PAYLOAD,
  xorChecksum,
  type Request,
} from './serial-protocol';

/**
 * The serial loader in the chip's mask ROM, as the serial-protocol documentation describes it:
 *
 * - Every response carries the chip's status length (2 bytes on the ESP8266, 4 on the ESP32 family):
 *   [0, 0] on success, [1, code] on failure with the documented codes 0x05..0x0b.
 * - The 32-bit "value" field is only meaningful for READ_REG; otherwise it holds whatever the ROM
 *   left there (traces of real chips show the last READ_REG result, or the start of the SYNC payload).
 * - SYNC is answered with eight identical replies whose value is non-zero (0x20120707, the first
 *   payload word), which is how hosts tell the ROM from a running stub (which answers 0).
 * - An opcode the ROM does not have is refused with status [1, 0x05] in a reply that does not carry
 *   the requested opcode (esptool and esptool-js read exactly that as "unsupported command"); the
 *   model repeats the opcode of the last valid reply there.
 * - FLASH_BEGIN erases up front; on the ESP8266 with its SPIEraseArea miscount (see below).
 * - FLASH_DATA blocks must be the size announced; after writing, the ROM reads the block back and
 *   compares checksums, so writing over flash that was not erased fails with 0x08.
 * - ESP32 family only: SPI_ATTACH (required before any flash access), SPI_SET_PARAMS, CHANGE_BAUDRATE,
 *   compressed writes decompressed by the ROM before it replies, MD5 as 32 hex characters,
 *   READ_FLASH_SLOW in 64-byte pieces; GET_SECURITY_INFO on the S2/S3/C3 only.
 */

const SYNC_VALUE = readU32(SYNC_PAYLOAD, 0);
/** Largest payload the ROM's receive buffer takes (a 16 KiB block plus its 16-byte header). */
export const ROM_MAX_FRAME = STUB_MAX_WRITE_BLOCK + 64;
/** The ESP32 ROM's READ_FLASH_SLOW reads at most this much per command, and always returns this much. */
const SLOW_READ_BLOCK = 64;
/** SPIParamCfg's chip size before SPI_SET_PARAMS (the largest the 24-bit address reaches). */
const DEFAULT_CHIP_SIZE = 16 * 1024 * 1024;

/**
 * The ESP8266 ROM's SPIEraseArea, forward: asked to erase `eraseSize` bytes at `offset`, it erases
 * the "head" sectors up to the next 64 KiB boundary, then forgets it already did them and erases the
 * full count again after them. Total: n + min(head, n) sectors from the start sector, where
 * n = ceil(size / 4 KiB) and head = 16 - (start sector mod 16). esptool's get_erase_size() sends the
 * inverse of this, so the right region comes out; a naive size over-erases by up to 64 KiB.
 */
export function esp8266RomEraseSectors(offset: number, eraseSize: number): { first: number; count: number } {
  const first = Math.floor(offset / SECTOR_SIZE);
  const n = Math.ceil(eraseSize / SECTOR_SIZE);
  const head = 16 - (first % 16);
  return { first, count: n + Math.min(head, n) };
}

interface FlashSession {
  compressed: boolean;
  offset: number;
  blockSize: number;
  blocks: number;
  /** Compressed: where the next decompressed byte goes, and where writing must stop. */
  nextWrite: number;
  limit: number;
  inflate: InflateStream | null;
  writeFailed: boolean;
}

interface MemSession {
  offset: number;
  size: number;
  blockSize: number;
  received: number;
}

export class RomLoader implements Loader {
  private value = 0;
  private lastOp = Op.SYNC as number;
  private chipSize = DEFAULT_CHIP_SIZE;
  private flashSession: FlashSession | null = null;
  private memSession: MemSession | null = null;
  private readonly uploaded: Array<[number, number]> = [];
  /** READ_FLASH_SLOW answers from one static buffer, whatever length was asked. */
  private readonly slowReadBuffer = new Uint8Array(SLOW_READ_BLOCK);

  constructor(private readonly host: LoaderHost) {
    // The ESP8266 ROM has no SPI_ATTACH: its flash is usable from the first FLASH_BEGIN (modelled as always).
    if (!host.chipInfo.romNeedsSpiAttach) host.spiAttached = true;
  }

  dispose(): void {
    this.flashSession?.inflate?.destroy();
    this.flashSession = null;
  }

  handleFrame(frame: Uint8Array): void | Promise<void> {
    const req = parseRequest(frame);
    if (!req) return; // not a request (noise, a stray acknowledgement): the ROM stays silent
    if (!this.host.chipInfo.romCommands.has(req.op)) {
      this.reply(this.lastOp, RomError.INVALID_MESSAGE, undefined, false);
      return;
    }
    if (req.size !== req.data.length) {
      this.fail(req.op, RomError.INVALID_MESSAGE);
      return;
    }
    switch (req.op) {
      case Op.SYNC:
        return this.sync(req);
      case Op.READ_REG:
        return this.readReg(req);
      case Op.WRITE_REG:
        return this.writeReg(req);
      case Op.MEM_BEGIN:
        return this.memBegin(req);
      case Op.MEM_DATA:
        return this.memData(req);
      case Op.MEM_END:
        return this.memEnd(req);
      case Op.FLASH_BEGIN:
        return this.flashBegin(req, false);
      case Op.FLASH_DEFL_BEGIN:
        return this.flashBegin(req, true);
      case Op.FLASH_DATA:
        return this.flashData(req);
      case Op.FLASH_DEFL_DATA:
        return this.flashDeflData(req);
      case Op.FLASH_END:
      case Op.FLASH_DEFL_END:
        return this.flashEnd(req);
      case Op.SPI_ATTACH:
        return this.spiAttach(req);
      case Op.SPI_SET_PARAMS:
        return this.spiSetParams(req);
      case Op.CHANGE_BAUDRATE:
        return this.changeBaud(req);
      case Op.SPI_FLASH_MD5:
        return this.md5(req);
      case Op.READ_FLASH_SLOW:
        return this.readFlashSlow(req);
      case Op.GET_SECURITY_INFO:
        return this.securityInfo(req);
      default:
        this.fail(req.op, RomError.INVALID_MESSAGE);
    }
  }

  // --- replies ---------------------------------------------------------------------------------

  private reply(op: number, error: number | null, body?: Uint8Array, remember = true): void {
    const statusLength = this.host.chipInfo.romStatusLength;
    const status = new Uint8Array(statusLength);
    if (error !== null) {
      status[0] = 1;
      status[1] = error;
    }
    this.host.sendFrame(buildResponse(op, this.value, body ?? new Uint8Array(0), status));
    if (remember) this.lastOp = op;
  }

  private ok(op: number, body?: Uint8Array): void {
    this.reply(op, null, body);
  }

  private fail(op: number, error: number): void {
    this.reply(op, error);
  }

  private words(req: Request, count: number): number[] | null {
    if (req.data.length !== count * 4) return null;
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(readU32(req.data, i * 4));
    return out;
  }

  // --- commands --------------------------------------------------------------------------------

  private sync(req: Request): void {
    if (!hasSyncPayload(req.data)) {
      this.fail(req.op, RomError.INVALID_MESSAGE);
      return;
    }
    this.value = SYNC_VALUE;
    for (let i = 0; i < 8; i++) this.ok(req.op);
  }

  private readReg(req: Request): void {
    const w = this.words(req, 1);
    if (!w) return this.fail(req.op, RomError.INVALID_MESSAGE);
    this.value = this.host.registers.read(w[0] as number);
    this.ok(req.op);
  }

  private writeReg(req: Request): void {
    // address, value, mask, delay (us); several such groups may follow each other.
    if (req.data.length === 0 || req.data.length % 16 !== 0) return this.fail(req.op, RomError.INVALID_MESSAGE);
    for (let o = 0; o < req.data.length; o += 16) {
      this.host.registers.write(readU32(req.data, o), readU32(req.data, o + 4), readU32(req.data, o + 8));
    }
    this.ok(req.op);
  }

  private memBegin(req: Request): void {
    const w = this.words(req, 4);
    if (!w) return this.fail(req.op, RomError.INVALID_MESSAGE);
    const [size, , blockSize, offset] = w as [number, number, number, number];
    this.memSession = { offset, size, blockSize, received: 0 };
    this.ok(req.op);
  }

  private memData(req: Request): void {
    const s = this.memSession;
    if (!s) return this.fail(req.op, RomError.FAILED_TO_ACT);
    const parsed = this.dataBlock(req);
    if (typeof parsed === 'number') return this.fail(req.op, parsed);
    const { seq, data } = parsed;
    const at = s.offset + seq * s.blockSize;
    if (data.length > s.blockSize || at + data.length > s.offset + s.size) return this.fail(req.op, RomError.INVALID_MESSAGE);
    s.received += data.length;
    this.uploaded.push([at, at + data.length]);
    this.ok(req.op);
  }

  private memEnd(req: Request): void {
    const w = this.words(req, 2);
    if (!w) return this.fail(req.op, RomError.INVALID_MESSAGE);
    const [stay, entry] = w as [number, number];
    this.memSession = null;
    this.ok(req.op);
    // Execute flag 0 means "jump to the entry point" (esptool sends 1 when it only loads data).
    if (stay === 0) this.host.runUploadedCode(entry, this.uploaded);
  }

  private flashBegin(req: Request, compressed: boolean): void {
    const w = this.words(req, this.host.chipInfo.romFlashBeginWords);
    if (!w) return this.fail(req.op, RomError.INVALID_MESSAGE);
    const [eraseSize, blocks, blockSize, offset, encrypted] = w as [number, number, number, number, number | undefined];
    if (!this.host.spiAttached) return this.fail(req.op, RomError.FAILED_TO_ACT);
    // Encrypted writes need the chip's flash-encryption key, which this board does not model.
    if (encrypted) return this.fail(req.op, RomError.FAILED_TO_ACT);
    if (blockSize === 0 || blockSize > STUB_MAX_WRITE_BLOCK) return this.fail(req.op, RomError.INVALID_MESSAGE);

    const { first, count } =
      this.host.chipInfo.family === 'esp8266'
        ? esp8266RomEraseSectors(offset, eraseSize)
        : { first: Math.floor(offset / SECTOR_SIZE), count: Math.ceil(eraseSize / SECTOR_SIZE) };
    // SPIEraseArea refuses to go past the configured chip size; clip like it stops there.
    const lastAllowed = Math.floor(this.chipSize / SECTOR_SIZE);
    const clipped = Math.max(0, Math.min(count, lastAllowed - first));
    this.host.flash.eraseSectors(first, clipped);

    this.flashSession?.inflate?.destroy();
    this.flashSession = {
      compressed,
      offset,
      blockSize,
      blocks,
      nextWrite: offset,
      limit: offset + eraseSize,
      inflate: null,
      writeFailed: false,
    };
    if (compressed) {
      const session = this.flashSession;
      session.inflate = new InflateStream((chunk) => this.writeDecompressed(session, chunk));
    }
    this.ok(req.op);
  }

  /** Header words of a *_DATA payload: data length, sequence, 0, 0, then the data with its checksum. */
  private dataBlock(req: Request): { seq: number; data: Uint8Array } | number {
    if (req.data.length < 16) return RomError.INVALID_MESSAGE;
    const length = readU32(req.data, 0);
    const seq = readU32(req.data, 4);
    const data = req.data.subarray(16);
    if (length !== data.length) return RomError.INVALID_MESSAGE;
    if ((req.checksum & 0xff) !== xorChecksum(data)) return RomError.INVALID_CRC;
    return { seq, data };
  }

  private flashData(req: Request): void {
    const s = this.flashSession;
    if (!s || s.compressed) return this.fail(req.op, RomError.FAILED_TO_ACT);
    const parsed = this.dataBlock(req);
    if (typeof parsed === 'number') return this.fail(req.op, parsed);
    const { seq, data } = parsed;
    if (data.length !== s.blockSize || seq >= s.blocks) return this.fail(req.op, RomError.INVALID_MESSAGE);
    const at = s.offset + seq * s.blockSize;
    if (!this.programAndVerify(at, data)) return this.fail(req.op, RomError.FLASH_WRITE_ERROR);
    this.ok(req.op);
  }

  private flashDeflData(req: Request): void {
    const s = this.flashSession;
    if (!s || !s.compressed || !s.inflate) return this.fail(req.op, RomError.FAILED_TO_ACT);
    const parsed = this.dataBlock(req);
    if (typeof parsed === 'number') return this.fail(req.op, parsed);
    if (parsed.data.length > s.blockSize || parsed.seq >= s.blocks) return this.fail(req.op, RomError.INVALID_MESSAGE);
    // The ROM decompresses and writes the block before it answers.
    const result = s.inflate.push(parsed.data);
    if (result.error) return this.fail(req.op, RomError.DEFLATE_ERROR);
    if (s.writeFailed) return this.fail(req.op, RomError.FLASH_WRITE_ERROR);
    this.ok(req.op);
  }

  private writeDecompressed(s: FlashSession, chunk: Uint8Array): void {
    const room = Math.max(0, s.limit - s.nextWrite);
    const data = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (data.length > 0 && !this.programAndVerify(s.nextWrite, data)) s.writeFailed = true;
    s.nextWrite += chunk.length;
  }

  /** SPIWrite, then read back and compare the 8-bit checksums, as the ROM does. */
  private programAndVerify(address: number, data: Uint8Array): boolean {
    if (address + data.length > this.chipSize) return false;
    const flash = this.host.flash;
    flash.program(address, data);
    return xorChecksum(flash.read(address, data.length)) === xorChecksum(data);
  }

  private flashEnd(req: Request): void {
    const w = this.words(req, 1);
    if (!w) return this.fail(req.op, RomError.INVALID_MESSAGE);
    if (!this.flashSession) return this.fail(req.op, RomError.FAILED_TO_ACT);
    this.flashSession.inflate?.destroy();
    this.flashSession = null;
    this.ok(req.op);
    // 0: reboot; 1: run the user code (what esptool sends to leave the ROM without a reset).
    this.host.leaveLoader(w[0] === 0 ? 'reboot' : 'run-app');
  }

  private spiAttach(req: Request): void {
    // ROM form: the pin configuration word and a second word ("legacy" flag and reserved bytes).
    const w = this.words(req, 2);
    if (!w) return this.fail(req.op, RomError.INVALID_MESSAGE);
    // 0 selects the default SPI flash pins, where this board's flash is; HSPI (1) or a custom pin
    // set routes the controller elsewhere, and the flash is then unreachable.
    this.host.spiAttached = w[0] === 0;
    this.ok(req.op);
  }

  private spiSetParams(req: Request): void {
    const w = this.words(req, 6);
    if (!w) return this.fail(req.op, RomError.INVALID_MESSAGE);
    const totalSize = w[1] as number;
    if (totalSize === 0) return this.fail(req.op, RomError.FAILED_TO_ACT);
    this.chipSize = totalSize;
    this.ok(req.op);
  }

  private changeBaud(req: Request): void {
    const w = this.words(req, 2);
    if (!w) return this.fail(req.op, RomError.INVALID_MESSAGE);
    const baud = w[0] as number;
    if (baud < 300 || baud > 5_000_000) return this.fail(req.op, RomError.INVALID_MESSAGE);
    this.ok(req.op);
    // The reply still goes out at the old rate; the divider changes after it.
    this.host.setBaud(baud);
  }

  private md5(req: Request): void {
    const w = this.words(req, 4);
    if (!w) return this.fail(req.op, RomError.INVALID_MESSAGE);
    const [address, size] = w as [number, number];
    if (!this.host.spiAttached || address + size > this.chipSize) return this.fail(req.op, RomError.FLASH_READ_ERROR);
    const digest = this.host.flash.md5(address, size);
    // The ROM answers in lowercase hex text; the stub sends the 16 raw bytes.
    const hex = Buffer.from(digest).toString('hex');
    this.ok(req.op, new TextEncoder().encode(hex));
  }

  private readFlashSlow(req: Request): void {
    const w = this.words(req, 2);
    if (!w) return this.fail(req.op, RomError.INVALID_MESSAGE);
    const [address, length] = w as [number, number];
    if (length > SLOW_READ_BLOCK) return this.fail(req.op, RomError.FLASH_READ_LENGTH_ERROR);
    if (!this.host.spiAttached || address + length > this.chipSize) return this.fail(req.op, RomError.FLASH_READ_ERROR);
    this.host.flash.readInto(address, this.slowReadBuffer.subarray(0, length));
    this.ok(req.op, this.slowReadBuffer.slice());
  }

  private securityInfo(req: Request): void {
    const info = this.host.chipInfo.securityInfo;
    if (!info || req.data.length !== 0) return this.fail(req.op, RomError.INVALID_MESSAGE);
    this.ok(req.op, securityInfoBytes(info));
  }
}

/** flags (u32) = 0, flash_crypt_cnt = 0, 7 key purposes = 0, then chip id and API/ECO version on newer chips. */
export function securityInfoBytes(info: { length: 12 | 20; chipId: number; apiVersion: number }): Uint8Array {
  const out = new Uint8Array(info.length);
  if (info.length === 20) {
    new DataView(out.buffer).setUint32(12, info.chipId, true);
    new DataView(out.buffer).setUint32(16, info.apiVersion, true);
  }
  return out;
}
