/**
 * The generic side of the serial bootloader protocol: one method per command, each with a
 * timeout that scales with its work. It knows nothing of chips or users; the operations put
 * those together. One loader per session (it holds the channel, and whether a stub answers).
 */
import { createHash } from 'node:crypto';
import {
  ERROR_CHECKSUM,
  ERROR_INVALID_MESSAGE,
  Op,
  STUB_ERROR_CHECKSUM,
  SYNC_PAYLOAD,
  decodeResponse,
  encodeDataCommand,
  encodeRequest,
  opName,
  packWords,
  responseStatus,
  type Response,
} from './command';
import { CommandFailedError, CommandTimeoutError, EspError, OperationAbortedError, UnsupportedCommandError } from './errors';
import type { SlipChannel } from './slip-channel';
import {
  CHIP_ERASE_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  ERASE_REGION_MS_PER_MB,
  MAX_TIMEOUT_MS,
  MD5_MS_PER_MB,
  SYNC_DRAIN_QUIET_MS,
  SYNC_TIMEOUT_MS,
  timeoutPerMb,
} from './timeouts';

export interface CheckOptions {
  checksum?: number;
  timeoutMs?: number;
  /** Bytes of response data before the status bytes (MD5: 16 or 32; SECURITY_INFO: 20). */
  respDataLength?: number;
}

export interface CheckedResponse {
  value: number;
  data: Uint8Array;
  body: Uint8Array;
}

/** Data blocks are retried this many times in all when the board reports them corrupted or never answers. */
export const BLOCK_ATTEMPTS = 3;

/**
 * Status codes that mean "this block arrived damaged and was not written": the ROM's invalid
 * message (a dropped byte shortens the block) and bad checksum, the stub's length and checksum errors.
 */
const RETRYABLE_BLOCK_ERRORS: ReadonlySet<number> = new Set([ERROR_INVALID_MESSAGE, ERROR_CHECKSUM, STUB_ERROR_CHECKSUM, 0xc0]);

/** True for a status code that means the request arrived damaged (and was not acted on). */
export function isDamagedBlockError(code: number): boolean {
  return RETRYABLE_BLOCK_ERRORS.has(code);
}

/** How many barriers are sent after an unanswered data block before the board is given up on. */
const BARRIER_PROBES = 3;
/** Read as the barrier: the chip-detect register, present at this address on every supported chip. */
const BARRIER_REGISTER = 0x40001000;

/** The stub's read-flash packet size and how many packets may be unacknowledged (esptool's values). */
export const READ_BLOCK_SIZE = 0x1000;
export const READ_MAX_IN_FLIGHT = 64;
/** The ESP32-family ROM's READ_FLASH_SLOW reads at most this many bytes per request, and always answers this many. */
export const ROM_READ_BLOCK_SIZE = 64;

export class EspLoader {
  /** True once Espressif's flasher stub answers instead of the ROM (2 status bytes, extra commands). */
  isStub = false;

  constructor(readonly channel: SlipChannel) {}

  /** Sends a request (unframed packet) and waits for the response with the same opcode. */
  async command(op: number, data?: Uint8Array, options: { checksum?: number; timeoutMs?: number } = {}): Promise<Response> {
    await this.channel.writePacket(encodeRequest(op, data, options.checksum ?? 0));
    return this.readResponse(op, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  /**
   * Reads until a response to `op` arrives. Stale replies (the extra SYNC answers, a late reply
   * to a timed-out command) are skipped. A mismatched reply with "invalid message" means the
   * loader did not recognise `op` at all.
   */
  async readResponse(op: number, timeoutMs: number, description = opName(op)): Promise<Response> {
    const limit = Math.min(timeoutMs, MAX_TIMEOUT_MS);
    const deadline = Date.now() + limit;
    for (;;) {
      const packet = await this.channel.readPacket(Math.max(0, deadline - Date.now()));
      if (!packet) throw new CommandTimeoutError(op, description, limit);
      const response = decodeResponse(packet);
      if (!response) continue;
      if (response.op === op) return response;
      if (response.body.length >= 2 && response.body[0] !== 0 && response.body[1] === ERROR_INVALID_MESSAGE) {
        // Some ROMs repeat the complaint; let it pass before the next command.
        await this.channel.settle(20, 300);
        this.channel.flushInput();
        throw new UnsupportedCommandError(op);
      }
    }
  }

  /** A command whose status must say success; returns its value and response data. */
  async check(description: string, op: number, data?: Uint8Array, options: CheckOptions = {}): Promise<CheckedResponse> {
    await this.channel.writePacket(encodeRequest(op, data, options.checksum ?? 0));
    return this.expectSuccess(description, op, options);
  }

  private async expectSuccess(description: string, op: number, options: CheckOptions): Promise<CheckedResponse> {
    const response = await this.readResponse(op, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, description);
    const respDataLength = options.respDataLength ?? 0;
    const status = responseStatus(response.body, respDataLength);
    if (status.status !== 0) throw new CommandFailedError(op, description, status.error);
    if (!status.complete) {
      throw new EspError('bad-response', `Failed to ${description}: the board sent a ${response.body.length}-byte answer, expected ${respDataLength + 2}.`);
    }
    return { value: response.value, data: response.body.subarray(0, respDataLength), body: response.body };
  }

  /**
   * SYNC: the ROM measures the baud from the 0x55 bytes and answers with a burst of replies.
   * Their value field is non-zero from a ROM and 0 from a stub that is still running, which is
   * how a reconnect without reset recognises a stub it need not upload again.
   */
  async sync(): Promise<{ stubDetected: boolean }> {
    await this.channel.writePacket(encodeRequest(Op.SYNC, SYNC_PAYLOAD));
    const first = await this.readResponse(Op.SYNC, SYNC_TIMEOUT_MS, 'sync');
    let stubDetected = first.value === 0;
    for (;;) {
      const packet = await this.channel.readPacket(SYNC_DRAIN_QUIET_MS);
      if (!packet) break;
      const extra = decodeResponse(packet);
      if (extra?.op === Op.SYNC) stubDetected &&= extra.value === 0;
    }
    return { stubDetected };
  }

  async readReg(address: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<number> {
    const { value } = await this.check('read a register', Op.READ_REG, packWords(address), { timeoutMs });
    return value >>> 0;
  }

  async writeReg(address: number, value: number, mask = 0xffffffff, delayUs = 0): Promise<void> {
    await this.check('write a register', Op.WRITE_REG, packWords(address, value, mask, delayUs));
  }

  async memBegin(size: number, blocks: number, blockSize: number, offset: number): Promise<void> {
    await this.check('start a RAM upload', Op.MEM_BEGIN, packWords(size, blocks, blockSize, offset));
  }

  async memData(block: Uint8Array, seq: number): Promise<void> {
    await this.sendBlock('upload to RAM', Op.MEM_DATA, block, seq, DEFAULT_TIMEOUT_MS);
  }

  /** Starts the uploaded code at `entry` (0 = don't run). The reply may never come: the ROM jumps first. */
  async memEnd(entry: number, timeoutMs: number): Promise<void> {
    await this.check('start the uploaded code', Op.MEM_END, packWords(entry === 0 ? 1 : 0, entry), { timeoutMs });
  }

  /**
   * FLASH_BEGIN / FLASH_DEFL_BEGIN. `size` is the erase size (ROM) or byte count (stub); the
   * newer ROMs take a fifth "encrypted" word.
   */
  async flashBegin(op: typeof Op.FLASH_BEGIN | typeof Op.FLASH_DEFL_BEGIN, params: { size: number; blocks: number; blockSize: number; offset: number; encryptWord: boolean }, timeoutMs: number): Promise<void> {
    const words = [params.size, params.blocks, params.blockSize, params.offset];
    if (params.encryptWord) words.push(0);
    const what = op === Op.FLASH_BEGIN ? 'start writing flash' : 'start writing compressed data to flash';
    await this.check(what, op, packWords(...words), { timeoutMs });
  }

  async flashData(op: typeof Op.FLASH_DATA | typeof Op.FLASH_DEFL_DATA, block: Uint8Array, seq: number, timeoutMs: number): Promise<void> {
    await this.sendBlock(`write block ${seq} to flash`, op, block, seq, timeoutMs);
  }

  /** FLASH_END / FLASH_DEFL_END; `reboot` false keeps the loader running (the word is "stay in loader"). */
  async flashEnd(op: typeof Op.FLASH_END | typeof Op.FLASH_DEFL_END, reboot: boolean): Promise<void> {
    await this.check('finish writing flash', op, packWords(reboot ? 0 : 1));
  }

  /**
   * A data block with its checksum. Retried when the board says it arrived damaged, as esptool
   * does, and when it never answered: but only once it is known that the board did not take it.
   * Replies carry no sequence number, and a loader answers every request in order, so after a
   * silence a late reply to this block may still be on its way. Resending at once would write the
   * block twice (the stub inflates a duplicate into the stream; the ROM programs over written
   * flash) and the late reply would then be taken as the answer to the next block, reporting the
   * write done while the board is still working. So a silence is followed by a barrier (see
   * awaitLateReply) that tells "the block was lost" from "the board was just slow".
   */
  private async sendBlock(description: string, op: number, block: Uint8Array, seq: number, timeoutMs: number): Promise<void> {
    const packet = encodeDataCommand(op, block, seq);
    for (let attempt = 1; ; attempt++) {
      await this.channel.writePacket(packet);
      let response: Response | null;
      try {
        response = await this.readResponse(op, timeoutMs, description);
      } catch (error) {
        if (!(error instanceof CommandTimeoutError)) throw error;
        response = await this.awaitLateReply(op, description, timeoutMs);
        if (!response) {
          // The board answered the barrier and never this block: it did not get it. Safe to resend.
          if (attempt >= BLOCK_ATTEMPTS) throw error;
          continue;
        }
      }
      const status = responseStatus(response.body, 0);
      if (status.status === 0) return;
      if (!RETRYABLE_BLOCK_ERRORS.has(status.error) || attempt >= BLOCK_ATTEMPTS) throw new CommandFailedError(op, description, status.error);
      // The board refused the block as damaged and wrote nothing: send it again.
    }
  }

  /**
   * After a data block went unanswered: sends a READ_REG (harmless, answered by ROM and stub alike)
   * and reads until its reply. The loader handles requests one at a time in order, so a reply to
   * the barrier means everything sent before it has been answered: a reply to `op` among them is
   * the block's own late reply (returned); none means the block never arrived whole (null). Any
   * READ_REG reply will do, even a late one to an earlier barrier: it too was sent after the block.
   * A board that answers nothing at all is given up on with a clear error.
   */
  private async awaitLateReply(op: number, description: string, blockTimeoutMs: number): Promise<Response | null> {
    let late: Response | null = null;
    const waitMs = Math.max(DEFAULT_TIMEOUT_MS, Math.min(blockTimeoutMs, MAX_TIMEOUT_MS));
    for (let probe = 1; probe <= BARRIER_PROBES; probe++) {
      await this.channel.writePacket(encodeRequest(Op.READ_REG, packWords(BARRIER_REGISTER)));
      const deadline = Date.now() + waitMs;
      for (;;) {
        const packet = await this.channel.readPacket(Math.max(0, deadline - Date.now()));
        if (!packet) break;
        const response = decodeResponse(packet);
        if (!response) continue;
        if (response.op === op) late ??= response;
        else if (response.op === Op.READ_REG) return late;
      }
    }
    const waited = ((blockTimeoutMs + BARRIER_PROBES * waitMs) / 1000).toFixed(0);
    throw new EspError(
      'timeout',
      `The board stopped answering while Kiln was trying to ${description} (no reply for ${waited} s). ` +
        'The write is incomplete: reset the board (unplug and replug it if needed) and write again, at a lower baud rate if this repeats.',
    );
  }

  /** MD5 of a flash region as lower-case hex. The ROM answers 32 hex characters, the stub 16 raw bytes. */
  async flashMd5(offset: number, size: number): Promise<string> {
    const respDataLength = this.isStub ? 16 : 32;
    const { data } = await this.check('compute the MD5 of flash', Op.SPI_FLASH_MD5, packWords(offset, size, 0, 0), {
      respDataLength,
      timeoutMs: timeoutPerMb(MD5_MS_PER_MB, size),
    });
    if (this.isStub) return Buffer.from(data).toString('hex');
    return Buffer.from(data).toString('latin1').toLowerCase();
  }

  /** CHANGE_BAUDRATE: the stub wants the old baud as second word, the ROM 0. The caller then switches the link. */
  async changeBaud(newBaud: number, oldBaud: number): Promise<void> {
    await this.check('change the baud rate', Op.CHANGE_BAUDRATE, packWords(newBaud, this.isStub ? oldBaud : 0));
  }

  async eraseFlash(): Promise<void> {
    await this.check('erase the flash', Op.ERASE_FLASH, undefined, { timeoutMs: CHIP_ERASE_TIMEOUT_MS });
  }

  async eraseRegion(offset: number, size: number): Promise<void> {
    await this.check('erase a flash region', Op.ERASE_REGION, packWords(offset, size), { timeoutMs: timeoutPerMb(ERASE_REGION_MS_PER_MB, size) });
  }

  /** SPI_ATTACH with the default pins. The ROM takes an extra "legacy" word the stub does not. */
  async spiAttach(): Promise<void> {
    const data = this.isStub ? packWords(0) : packWords(0, 0);
    await this.check('attach the SPI flash', Op.SPI_ATTACH, data);
  }

  /** SPI_SET_PARAMS: the flash geometry the loader should assume (64 KiB blocks, 4 KiB sectors, 256-byte pages). */
  async spiSetParams(totalSize: number): Promise<void> {
    await this.check('set the flash parameters', Op.SPI_SET_PARAMS, packWords(0, totalSize, 64 * 1024, 4 * 1024, 256, 0xffff));
  }

  /** GET_SECURITY_INFO's raw answer (data and status bytes); callers decode what they need. */
  async securityInfo(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Uint8Array> {
    const response = await this.command(Op.GET_SECURITY_INFO, undefined, { timeoutMs });
    // 20 bytes of data on chips that report a chip id, 12 on the ESP32-S2; then 2 or 4 status bytes.
    const dataLength = response.body.length >= 22 ? 20 : response.body.length >= 14 ? 12 : 0;
    const status = responseStatus(response.body, dataLength);
    if (status.status !== 0) throw new CommandFailedError(Op.GET_SECURITY_INFO, 'read the security info', status.error);
    return response.body;
  }

  /** RUN_USER_CODE (stub only): leave the stub and start the app. There is no reply. */
  async runUserCode(): Promise<void> {
    await this.channel.writePacket(encodeRequest(Op.RUN_USER_CODE));
  }

  /**
   * READ_FLASH (stub only). The stub streams packets of READ_BLOCK_SIZE and pauses when
   * READ_MAX_IN_FLIGHT bytes' worth are unacknowledged; each acknowledgement is the total
   * received so far. It ends with the MD5 of what it read, checked here.
   */
  async readFlash(offset: number, length: number, options: { onData?: (received: number) => void; signal?: AbortSignal } = {}): Promise<Uint8Array> {
    await this.check('read flash', Op.READ_FLASH, packWords(offset, length, READ_BLOCK_SIZE, READ_MAX_IN_FLIGHT));
    const out = new Uint8Array(length);
    let received = 0;
    while (received < length) {
      if (options.signal?.aborted) {
        await this.stopRead();
        throw new OperationAbortedError();
      }
      const packet = await this.channel.readPacket(DEFAULT_TIMEOUT_MS);
      if (!packet) throw new CommandTimeoutError(Op.READ_FLASH, `read flash at 0x${(offset + received).toString(16)}`, DEFAULT_TIMEOUT_MS);
      if (packet.length > length - received) {
        throw new EspError('bad-response', `Reading flash returned more data than asked for (${received + packet.length} of ${length} bytes).`);
      }
      if (received + packet.length < length && packet.length !== READ_BLOCK_SIZE) {
        throw new EspError('bad-response', `Reading flash returned a damaged packet (${packet.length} bytes, expected ${READ_BLOCK_SIZE}). Try a lower baud rate.`);
      }
      out.set(packet, received);
      received += packet.length;
      await this.channel.writePacket(packWords(received));
      options.onData?.(received);
    }
    const digest = await this.channel.readPacket(DEFAULT_TIMEOUT_MS);
    if (!digest || digest.length !== 16) {
      throw new EspError('bad-response', 'Reading flash ended without the MD5 digest the stub sends. Try a lower baud rate.');
    }
    const expected = Buffer.from(digest).toString('hex');
    const actual = createHash('md5').update(out).digest('hex');
    if (expected !== actual) {
      throw new EspError('verify-failed', `The data read from flash is damaged (MD5 ${actual}, the board computed ${expected}). Try a lower baud rate.`);
    }
    return out;
  }

  /**
   * READ_FLASH_SLOW (ESP32-family ROMs): one request per 64 bytes, address and length as two
   * words. The answer always carries a full 64-byte buffer (only the first `length` bytes are the
   * flash) before its status bytes. Nothing on the board checks the transfer, so the caller
   * compares the ROM's SPI_FLASH_MD5 afterwards. A request is idempotent: one that times out or
   * arrives corrupted is asked again, like a data block.
   */
  async readFlashSlow(offset: number, length: number, options: { onData?: (received: number) => void; signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    for (let received = 0; received < length; ) {
      if (options.signal?.aborted) throw new OperationAbortedError();
      const address = offset + received;
      const blockLength = Math.min(ROM_READ_BLOCK_SIZE, length - received);
      const description = `read flash at 0x${address.toString(16)}`;
      for (let attempt = 1; ; attempt++) {
        try {
          await this.channel.writePacket(encodeRequest(Op.READ_FLASH_SLOW, packWords(address, blockLength)));
          const { data } = await this.expectSuccess(description, Op.READ_FLASH_SLOW, { respDataLength: ROM_READ_BLOCK_SIZE });
          out.set(data.subarray(0, blockLength), received);
          break;
        } catch (error) {
          // The request was well formed, so "invalid message" or a reply to another opcode means it
          // arrived damaged; a genuine refusal repeats and is reported after the last attempt.
          const retryable =
            error instanceof CommandTimeoutError ||
            error instanceof UnsupportedCommandError ||
            (error instanceof CommandFailedError && (error.errorCode === ERROR_INVALID_MESSAGE || error.errorCode === ERROR_CHECKSUM)) ||
            (error instanceof EspError && error.code === 'bad-response');
          if (!retryable || attempt >= BLOCK_ATTEMPTS) throw error;
          await this.channel.settle(20, 200);
          this.channel.flushInput();
        }
      }
      received += blockLength;
      options.onData?.(received);
    }
    return out;
  }

  /**
   * Ends a read early: an acknowledgement beyond anything sent makes the stub leave its send
   * loop and send its digest. Drain that and whatever was in flight so the next command starts clean.
   */
  private async stopRead(): Promise<void> {
    await this.channel.writePacket(packWords(0xffffffff));
    const deadline = Date.now() + DEFAULT_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const packet = await this.channel.readPacket(Math.max(1, deadline - Date.now()));
      if (!packet || packet.length === 16) break;
    }
    await this.channel.settle(30, 500);
    this.channel.flushInput();
  }
}
