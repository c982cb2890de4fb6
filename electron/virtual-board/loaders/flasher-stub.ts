import { createHash, type Hash } from 'node:crypto';
import { InflateStream } from './inflate-stream';
import type { Loader, LoaderHost } from './loader-context';
import { BLOCK_SIZE, buildResponse, Op, readU32, SECTOR_SIZE, STUB_MAX_WRITE_BLOCK, StubError, xorChecksum } from './serial-protocol';
import { securityInfoBytes } from './rom-bootloader';

/**
 * Espressif's flasher stub, as it behaves on the wire once it runs (the board cannot execute the
 * uploaded Xtensa/RISC-V code, so it plays the stub's part):
 *
 * - Responses have 2 status bytes, [error, 0], with the stub's own codes (0xC0..0xC9, 0xFF for an
 *   unknown command); the header's size field says 2 (18 for MD5), the value field is 0 except for
 *   READ_REG, and SYNC is answered eight times with value 0, which is how a host reconnecting
 *   without a reset recognises a stub that is already running.
 * - FLASH_DATA / FLASH_DEFL_DATA are acknowledged as soon as they arrive (checksum and length
 *   checked), then written; an error from writing or inflating is reported with the *next* block
 *   or with FLASH_END. Flash is erased over exactly the sectors the announced size covers, in
 *   64 KiB blocks where aligned: an erase is *started* (not waited for) as each compressed block
 *   begins to inflate, if the chip is idle, and a write waits only for the erases it needs.
 * - Inflated data collects in one 32 KiB output buffer that is written when full or when the
 *   stream ends. The buffer belongs to the running stub, not to the stream: FLASH_DEFL_BEGIN does
 *   not empty it, so what an interrupted stream left there is written first, at the next stream's
 *   offset (the host must empty it; see electron/esp/operations/stub-inflate-buffer.ts). A block arriving once the announced size
 *   is written is TOO_MUCH_DATA, as is output that fills the size before the stream's end.
 * - READ_FLASH replies, then sends raw packets of the requested size while fewer than max_in_flight
 *   bytes are unacknowledged; the host acknowledges each with the total received so far (a 4-byte
 *   SLIP frame); once everything is acknowledged a 16-byte MD5 digest follows as one more packet.
 * - CHANGE_BAUDRATE switches after its reply went out.
 */

/** The stub's SPIParamCfg at start-up: 16 MiB (64 MiB on the S3, whose stub speaks 32-bit addresses). */
function defaultChipSize(host: LoaderHost): number {
  return host.chipInfo.family === 'esp32s3' ? 64 * 1024 * 1024 : 16 * 1024 * 1024;
}

export const STUB_MAX_FRAME = STUB_MAX_WRITE_BLOCK + 64;

/** The stub's inflate output buffer (static in its write code), written when full. */
export const STUB_INFLATE_BUFFER = 32 * 1024;

interface FlashState {
  nextWrite: number;
  remaining: number;
  nextEraseSector: number;
  remainingEraseSectors: number;
  lastError: number;
  inflate: InflateStream | null;
  /** Compressed bytes still expected (blocks x block size, an upper bound). */
  remainingCompressed: number;
}

interface ReadState {
  address: number;
  length: number;
  packetSize: number;
  maxInFlight: number;
  sent: number;
  acked: number;
  hash: Hash;
  failed: boolean;
}

export class StubLoader implements Loader {
  private chipSize: number;
  private inFlashMode = false;
  private flash: FlashState | null = null;
  private memOffset: number | null = null;
  private memRemaining = 0;
  private readonly uploaded: Array<[number, number]> = [];
  private reading: ReadState | null = null;
  /** Inflated bytes waiting to be written; kept across streams, as the stub's static buffer is. */
  private readonly inflated = new Uint8Array(STUB_INFLATE_BUFFER);
  private inflatedUsed = 0;
  /**
   * The buffer was just written while a block was inflating: the stub's inflate loop starts the
   * next erase (if the chip is idle) before it decompresses the rest of that block.
   */
  private wroteMidBlock = false;

  constructor(private readonly host: LoaderHost) {
    this.chipSize = defaultChipSize(host);
    // At start-up the stub attaches the flash on the default pins and announces itself.
    host.spiAttached = true;
    host.sendFrame(new TextEncoder().encode('OHAI'));
  }

  /**
   * Two receive buffers: a command completing while one is handled and another waits lands in the
   * buffer being handled, and the waiting one is lost (the interrupt handler just swaps buffers).
   */
  readonly receiveBuffers = 2;

  /** Data blocks are acknowledged on arrival; the stub writes them while the next one comes in. */
  answersBeforeFlashWork(op: number): boolean {
    return op === Op.FLASH_DATA || op === Op.FLASH_DEFL_DATA || op === Op.FLASH_ENCRYPT_DATA;
  }

  dispose(): void {
    this.flash?.inflate?.destroy();
    this.flash = null;
    this.reading = null;
  }

  handleFrame(frame: Uint8Array): void | Promise<void> {
    if (this.reading) {
      this.acknowledge(frame);
      return;
    }
    if (frame.length < 8) return;
    const op = frame[1] as number;
    const size = (frame[2] as number) | ((frame[3] as number) << 8);
    const checksum = readU32(frame, 4);
    const data = frame.subarray(8, 8 + size);

    if (size > STUB_MAX_WRITE_BLOCK + 16) {
      this.respond(op, 0, [StubError.BAD_DATA_LEN, 0xee]);
      return;
    }
    switch (op) {
      case Op.SYNC:
        return this.sync(op, data);
      case Op.READ_REG:
        return this.readReg(op, data);
      case Op.WRITE_REG:
        return this.writeReg(op, data);
      case Op.MEM_BEGIN:
        return this.memBegin(op, data);
      case Op.MEM_DATA:
        return this.memData(op, data);
      case Op.MEM_END:
        return this.memEnd(op, data);
      case Op.FLASH_BEGIN:
      case Op.FLASH_DEFL_BEGIN:
        return this.flashBegin(op, data);
      case Op.FLASH_DATA:
      case Op.FLASH_DEFL_DATA:
      case Op.FLASH_ENCRYPT_DATA:
        return this.flashData(op, data, checksum);
      case Op.FLASH_END:
      case Op.FLASH_DEFL_END:
        return this.flashEnd(op, data);
      case Op.SPI_ATTACH:
        return this.simple(op, data, 4, () => {
          this.host.spiAttached = readU32(data, 0) === 0;
          return 0;
        });
      case Op.SPI_SET_PARAMS:
        return this.simple(op, data, 24, () => {
          const total = readU32(data, 4);
          if (total === 0) return StubError.FAILED_SPI_OP;
          this.chipSize = total;
          return 0;
        });
      case Op.CHANGE_BAUDRATE:
        return this.changeBaud(op, data);
      case Op.SPI_FLASH_MD5:
        return this.md5(op, data);
      case Op.ERASE_FLASH:
        return this.simple(op, data, 0, () => {
          this.host.flash.eraseChip();
          return 0;
        });
      case Op.ERASE_REGION:
        return this.simple(op, data, 8, () => this.eraseRegion(readU32(data, 0), readU32(data, 4)));
      case Op.READ_FLASH:
        return this.readFlash(op, data);
      case Op.GET_SECURITY_INFO:
        return this.securityInfo(op, data);
      case Op.RUN_USER_CODE:
        // No reply: the stub returns into the ROM, which runs the user code.
        this.host.leaveLoader('run-app');
        return;
      default:
        this.respond(op, 0, [StubError.CMD_NOT_IMPLEMENTED, 0]);
    }
  }

  // --- replies ---------------------------------------------------------------------------------

  private respond(op: number, value: number, status: [number, number], body?: Uint8Array, size?: number): void {
    this.host.sendFrame(buildResponse(op, value, body ?? new Uint8Array(0), Uint8Array.from(status), size ?? 2));
  }

  /** A command with a fixed payload length and a handler returning the error byte (0 = success). */
  private simple(op: number, data: Uint8Array, length: number, run: () => number): void {
    const error = data.length === length ? run() : StubError.BAD_DATA_LEN;
    this.respond(op, 0, [error, 0]);
  }

  // --- commands --------------------------------------------------------------------------------

  private sync(op: number, data: Uint8Array): void {
    if (data.length !== 36) {
      this.respond(op, 0, [StubError.BAD_DATA_LEN, 0]);
      return;
    }
    // Eight identical replies like the ROM's, but with value 0.
    for (let i = 0; i < 8; i++) this.respond(op, 0, [0, 0]);
  }

  private readReg(op: number, data: Uint8Array): void {
    if (data.length !== 4) {
      this.respond(op, 0, [StubError.BAD_DATA_LEN, 0]);
      return;
    }
    this.respond(op, this.host.registers.read(readU32(data, 0)), [0, 0]);
  }

  private writeReg(op: number, data: Uint8Array): void {
    if (data.length % 16 !== 0) {
      this.respond(op, 0, [StubError.BAD_DATA_LEN, 0]);
      return;
    }
    for (let o = 0; o < data.length; o += 16) {
      this.host.registers.write(readU32(data, o), readU32(data, o + 4), readU32(data, o + 8));
    }
    this.respond(op, 0, [0, 0]);
  }

  private memBegin(op: number, data: Uint8Array): void {
    this.simple(op, data, 16, () => {
      this.memOffset = readU32(data, 12);
      this.memRemaining = readU32(data, 0);
      return 0;
    });
  }

  private memData(op: number, data: Uint8Array): void {
    // The stub does not check the checksum of MEM_DATA; it copies the data after the 16-byte header.
    const payload = data.subarray(Math.min(16, data.length));
    let error = 0;
    if (this.memOffset === null && payload.length > 0) error = StubError.NOT_IN_FLASH_MODE;
    else if (payload.length > this.memRemaining) error = StubError.TOO_MUCH_DATA;
    else if (payload.length % 4 !== 0) error = StubError.BAD_DATA_LEN;
    else if (this.memOffset !== null) {
      this.uploaded.push([this.memOffset, this.memOffset + payload.length]);
      this.memOffset += payload.length;
      this.memRemaining -= payload.length;
    }
    this.respond(op, 0, [error, 0]);
  }

  private memEnd(op: number, data: Uint8Array): void {
    let error: number = StubError.BAD_DATA_LEN;
    if (data.length === 8) {
      error = this.memRemaining > 0 ? StubError.NOT_ENOUGH_DATA : 0;
      this.memRemaining = 0;
      this.memOffset = null;
    }
    this.respond(op, 0, [error, 0]);
    const entry = data.length === 8 ? readU32(data, 4) : 0;
    if (error === 0 && entry !== 0) this.host.runUploadedCode(entry, this.uploaded);
  }

  private flashBegin(op: number, data: Uint8Array): void {
    let error = 0;
    if (data.length === 16 && readU32(data, 8) > STUB_MAX_WRITE_BLOCK) error = StubError.BAD_BLOCKSIZE;
    else if (data.length !== 16) error = StubError.BAD_DATA_LEN;
    else {
      const size = readU32(data, 0);
      const offset = readU32(data, 12);
      this.host.flash.clock.waitIdle(); // unlocking the flash first waits for it to be ready
      this.flash?.inflate?.destroy();
      this.inFlashMode = true;
      const flash: FlashState = {
        nextWrite: offset,
        remaining: size,
        nextEraseSector: Math.floor(offset / SECTOR_SIZE),
        remainingEraseSectors: Math.floor(((offset % SECTOR_SIZE) + size + SECTOR_SIZE - 1) / SECTOR_SIZE),
        lastError: 0,
        inflate: null,
        remainingCompressed: 0,
      };
      if (op === Op.FLASH_DEFL_BEGIN) {
        flash.remainingCompressed = readU32(data, 4) * readU32(data, 8);
        flash.inflate = new InflateStream((chunk) => this.collectInflated(flash, chunk));
      }
      this.flash = flash;
    }
    this.respond(op, 0, [error, 0]);
  }

  private flashData(op: number, data: Uint8Array, checksum: number): void | Promise<void> {
    const flash = this.flash;
    let error = 0;
    const payload = data.subarray(Math.min(16, data.length));
    if (this.inFlashMode && flash) {
      error = flash.lastError;
      if (data.length < 16 || readU32(data, 0) !== payload.length) error = StubError.BAD_DATA_LEN;
      if ((checksum & 0xff) !== xorChecksum(payload)) error = StubError.BAD_DATA_CHECKSUM;
    } else {
      error = StubError.NOT_IN_FLASH_MODE;
    }
    // Acknowledge first: the stub receives the next block while it writes this one.
    this.respond(op, 0, [error, 0]);
    if (error !== 0 || !flash) return;
    if (op === Op.FLASH_DATA) {
      this.writeFlash(flash, payload);
      return;
    }
    if (op === Op.FLASH_ENCRYPT_DATA) {
      // Encrypted writes need the chip's key, which this board does not model.
      flash.lastError = StubError.FAILED_SPI_OP;
      return;
    }
    return this.inflateBlock(flash, payload);
  }

  private inflateBlock(flash: FlashState, payload: Uint8Array): void {
    // Once the announced size is written the stub inflates nothing more: any block is too much.
    if (flash.remaining === 0) {
      flash.lastError = StubError.TOO_MUCH_DATA;
      return;
    }
    if (!flash.inflate) return;
    // Decompressing takes time on the chip, so the stub starts an erase meanwhile.
    this.startNextErase(flash);
    flash.remainingCompressed = Math.max(0, flash.remainingCompressed - payload.length);
    this.wroteMidBlock = false;
    const result = flash.inflate.push(payload);
    this.wroteMidBlock = false;
    // The stream's end writes what the buffer holds (trimmed to the announced size).
    if (result.ended && this.inflatedUsed > 0 && flash.remaining > 0) this.writeInflated(flash);
    if (result.error) flash.lastError = StubError.INFLATE_ERROR;
    else if (result.ended && flash.remaining > 0) flash.lastError = StubError.NOT_ENOUGH_DATA;
    else if (!result.ended && flash.remaining === 0) flash.lastError = StubError.TOO_MUCH_DATA;
  }

  /**
   * Inflated output fills the 32 KiB buffer, which is written each time it is full. The stub
   * inflates a block in a loop (esptool 4.6.1 stub_write_flash.c): each turn starts an erase if
   * the chip is idle, then decompresses until the block is used up or the buffer is full; so when
   * more of the block follows a write, another erase is started first.
   */
  private collectInflated(flash: FlashState, chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length && flash.remaining > 0) {
      if (this.wroteMidBlock) {
        this.wroteMidBlock = false;
        this.startNextErase(flash);
      }
      const n = Math.min(chunk.length - at, this.inflated.length - this.inflatedUsed);
      this.inflated.set(chunk.subarray(at, at + n), this.inflatedUsed);
      this.inflatedUsed += n;
      at += n;
      if (this.inflatedUsed === this.inflated.length) {
        this.writeInflated(flash);
        this.wroteMidBlock = true;
      }
    }
  }

  private writeInflated(flash: FlashState): void {
    const length = this.inflatedUsed;
    this.inflatedUsed = 0;
    this.writeFlash(flash, this.inflated.subarray(0, length));
  }

  /** Writes at the next position, first waiting for the erases it needs; the final block is trimmed to the announced size. */
  private writeFlash(flash: FlashState, chunk: Uint8Array): void {
    const length = Math.min(chunk.length, flash.remaining);
    if (length === 0) return;
    const clock = this.host.flash.clock;
    const lastSector = Math.floor((flash.nextWrite + length) / SECTOR_SIZE);
    while (flash.remainingEraseSectors > 0 && flash.nextEraseSector <= lastSector) {
      clock.waitIdle();
      this.startNextErase(flash);
    }
    if (flash.nextWrite + length > this.chipSize) flash.lastError = StubError.FAILED_SPI_OP;
    else this.host.flash.program(flash.nextWrite, chunk.subarray(0, length));
    flash.nextWrite += length;
    flash.remaining -= length;
  }

  /**
   * Starts one erase (a 64 KiB block when aligned and at least a block remains, else a sector)
   * without waiting for it, unless the chip is still busy: then it returns and is called again.
   */
  private startNextErase(flash: FlashState): void {
    if (flash.remainingEraseSectors === 0) return;
    const clock = this.host.flash.clock;
    if (!clock.isIdle()) return;
    const sectorsPerBlock = BLOCK_SIZE / SECTOR_SIZE;
    const block = flash.remainingEraseSectors >= sectorsPerBlock && flash.nextEraseSector % sectorsPerBlock === 0;
    const count = block ? sectorsPerBlock : 1;
    if ((flash.nextEraseSector + count) * SECTOR_SIZE <= this.chipSize) {
      clock.inBackground(() => {
        if (block) this.host.flash.eraseBlock64(flash.nextEraseSector / sectorsPerBlock);
        else this.host.flash.eraseSector(flash.nextEraseSector);
      });
    }
    flash.remainingEraseSectors -= count;
    flash.nextEraseSector += count;
  }

  private flashEnd(op: number, data: Uint8Array): void {
    let error: number;
    if (!this.inFlashMode || !this.flash) error = StubError.NOT_IN_FLASH_MODE;
    else if (this.flash.remaining > 0) error = StubError.NOT_ENOUGH_DATA;
    else {
      this.inFlashMode = false;
      error = this.flash.lastError;
    }
    this.respond(op, 0, [error, 0]);
    // 0 asks for a reboot once the reply is out; 1 stays in the stub.
    if (error === 0 && data.length >= 4 && readU32(data, 0) === 0) this.host.leaveLoader('reboot');
  }

  private eraseRegion(address: number, length: number): number {
    if (address % SECTOR_SIZE !== 0) return StubError.ERASE_ADDR_UNALIGNED;
    if (length % SECTOR_SIZE !== 0) return StubError.ERASE_LEN_UNALIGNED;
    const flash = this.host.flash;
    const fits = (a: number, n: number): boolean => a + n <= this.chipSize;
    let a = address;
    let n = length;
    while (n > 0 && a % BLOCK_SIZE !== 0) {
      if (!fits(a, SECTOR_SIZE)) return StubError.ERASE_SECTOR_FAILED;
      flash.eraseSector(a / SECTOR_SIZE);
      n -= SECTOR_SIZE;
      a += SECTOR_SIZE;
    }
    while (n > BLOCK_SIZE) {
      if (!fits(a, BLOCK_SIZE)) return StubError.ERASE_BLOCK_FAILED;
      flash.eraseBlock64(a / BLOCK_SIZE);
      n -= BLOCK_SIZE;
      a += BLOCK_SIZE;
    }
    while (n > 0) {
      if (!fits(a, SECTOR_SIZE)) return StubError.ERASE_TAIL_FAILED;
      flash.eraseSector(a / SECTOR_SIZE);
      n -= SECTOR_SIZE;
      a += SECTOR_SIZE;
    }
    return 0;
  }

  private changeBaud(op: number, data: Uint8Array): void {
    if (data.length !== 8) {
      this.respond(op, 0, [StubError.BAD_DATA_LEN, 0]);
      return;
    }
    this.respond(op, 0, [0, 0]);
    // Arguments: new baud, then the rate the host believes the stub runs at now.
    this.host.setBaud(readU32(data, 0));
  }

  private md5(op: number, data: Uint8Array): void {
    if (data.length !== 16) {
      this.respond(op, 0, [StubError.BAD_DATA_LEN, 0], undefined, 18);
      return;
    }
    const address = readU32(data, 0);
    const size = readU32(data, 4);
    if (address + size > this.chipSize) {
      this.respond(op, 0, [StubError.MD5_READ_FAILED, 0], undefined, 18);
      return;
    }
    this.host.flash.clock.waitIdle(); // reading waits for an erase still running
    this.respond(op, 0, [0, 0], this.host.flash.md5(address, size), 18);
  }

  private securityInfo(op: number, data: Uint8Array): void {
    const info = this.host.chipInfo.securityInfo;
    // Only the stubs for the S2 and later chips carry this command.
    if (!info) {
      this.respond(op, 0, [StubError.CMD_NOT_IMPLEMENTED, 0]);
      return;
    }
    if (data.length !== 0) {
      this.respond(op, 0, [StubError.BAD_DATA_LEN, 0], undefined, info.length + 2);
      return;
    }
    this.respond(op, 0, [0, 0], securityInfoBytes(info), info.length + 2);
  }

  // --- READ_FLASH --------------------------------------------------------------------------------

  private readFlash(op: number, data: Uint8Array): void {
    if (data.length !== 16) {
      this.respond(op, 0, [StubError.BAD_DATA_LEN, 0]);
      return;
    }
    this.host.flash.clock.waitIdle(); // reading waits for an erase still running
    this.respond(op, 0, [0, 0]);
    const packetSize = readU32(data, 8);
    // A packet larger than the stub's one-sector buffer: it returns at once, sending nothing.
    if (packetSize > SECTOR_SIZE || packetSize === 0) return;
    this.reading = {
      address: readU32(data, 0),
      length: readU32(data, 4),
      packetSize,
      maxInFlight: readU32(data, 12),
      sent: 0,
      acked: 0,
      hash: createHash('md5'),
      failed: false,
    };
    if (this.reading.length === 0) {
      this.finishRead();
      return;
    }
    this.sendWindow();
  }

  /** Sends packets while fewer than max_in_flight bytes are unacknowledged (the window is in bytes). */
  private sendWindow(): void {
    const r = this.reading;
    if (!r) return;
    while (!r.failed && r.sent < r.length && r.sent - r.acked < r.maxInFlight) {
      const n = Math.min(r.packetSize, r.length - r.sent);
      if (r.address + n > this.chipSize) {
        r.failed = true; // SPIRead refuses: no more data, the host waits in vain
        break;
      }
      const packet = this.host.flash.read(r.address, n);
      this.host.sendFrame(packet);
      r.hash.update(packet);
      r.address += n;
      r.sent += n;
    }
  }

  private acknowledge(frame: Uint8Array): void {
    const r = this.reading;
    if (!r) return;
    // Anything but a 4-byte acknowledgement ends the transfer early (the digest still follows).
    if (frame.length !== 4) {
      this.finishRead();
      return;
    }
    r.acked = readU32(frame, 0);
    if (r.acked >= r.length || r.acked > r.sent) {
      this.finishRead();
      return;
    }
    this.sendWindow();
  }

  private finishRead(): void {
    const r = this.reading;
    if (!r) return;
    this.reading = null;
    this.host.sendFrame(new Uint8Array(r.hash.digest()));
  }
}
