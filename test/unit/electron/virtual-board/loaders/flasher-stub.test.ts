import { createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { VirtualBoardImpl } from '../../../../../electron/virtual-board/board';
import { createVirtualBoardImpl } from '../../../../../electron/virtual-board/index';
import { dataPayload, Host, OP, u32 } from '../helpers/host';

/**
 * Flasher stub conformance: what a host sees once Espressif's stub (uploaded as data from the
 * esptool-js package) runs: OHAI, 2 status bytes, the stub's error codes, compressed writes,
 * MD5, erase commands, and READ_FLASH with its acknowledgement window.
 */

let boards: VirtualBoardImpl[] = [];
afterEach(async () => {
  await Promise.all(boards.map((b) => b.close()));
  boards = [];
});

async function stubBoard(chip: 'esp8266' | 'esp32' | 'esp32c3' = 'esp32', flashTiming?: 'instant') {
  const board = await createVirtualBoardImpl({ chip, bootMode: 'download', linkModel: false, flashTiming });
  boards.push(board);
  const link = board.connect();
  if (chip === 'esp8266') await link.setBaudRate(74880);
  const host = new Host(link);
  await host.sync();
  await host.uploadStub(chip);
  const ohai = await host.packet(500);
  expect(Buffer.from(ohai ?? []).toString('latin1')).toBe('OHAI');
  return { board, link, host };
}

/** Stub status: [error, 0] right after the body. */
function status(r: { data: Uint8Array }, body = 0): [number, number] {
  return [r.data[body] ?? -1, r.data[body + 1] ?? -1];
}

async function writeCompressed(host: Host, offset: number, image: Uint8Array, blockSize = 0x4000): Promise<void> {
  const compressed = new Uint8Array(deflateSync(image));
  const blocks = Math.ceil(compressed.length / blockSize);
  expect(status(await host.command(OP.FLASH_DEFL_BEGIN, u32(image.length, blocks, blockSize, offset)))).toEqual([0, 0]);
  for (let seq = 0; seq < blocks; seq++) {
    const { payload, chk } = dataPayload(compressed.subarray(seq * blockSize, (seq + 1) * blockSize), seq);
    expect(status(await host.command(OP.FLASH_DEFL_DATA, payload, chk))).toEqual([0, 0]);
  }
}

describe('flasher stub', () => {
  it('says OHAI, answers SYNC eight times with value 0 and 2 status bytes', async () => {
    const { host, board } = await stubBoard('esp32');
    expect(board.state).toBe('download-stub');
    const replies = await host.sync();
    expect(replies).toHaveLength(8);
    for (const r of replies) {
      expect(r.value).toBe(0);
      expect(r.size).toBe(2);
      expect(Array.from(r.data)).toEqual([0, 0]);
    }
  });

  it('stays a stub across a reconnect without reset (value 0 tells the host to skip the upload)', async () => {
    const { board, link } = await stubBoard('esp8266');
    await link.close();
    const again = new Host(board.connect());
    await again.link.setBaudRate(74880);
    const replies = await again.sync();
    expect(replies[0]?.value).toBe(0);
    expect(board.state).toBe('download-stub');
  });

  it('writes compressed images with just-in-time erase, only over the sectors the size covers', async () => {
    const { board, host } = await stubBoard();
    board.writeFlashRaw(0x10000, new Uint8Array(0x30000)); // zeros around the target
    const image = new Uint8Array(randomBytes(70000));
    await writeCompressed(host, 0x11000, image);
    // FLASH_END with 1 stays in the stub.
    expect(status(await host.command(OP.FLASH_DEFL_END, u32(1)))).toEqual([0, 0]);
    expect(Buffer.from(board.readFlash(0x11000, image.length)).equals(Buffer.from(image))).toBe(true);
    const end = 0x11000 + image.length;
    expect(board.readFlash(end, 0x1000 - (end % 0x1000)).every((b) => b === 0xff)).toBe(true); // rest of last sector erased
    expect(board.readFlash(0x10fff, 1)[0]).toBe(0x00); // sector before untouched
    expect(board.readFlash(Math.ceil(end / 0x1000) * 0x1000, 1)[0]).toBe(0x00); // sector after untouched
  });

  it('starts an erase at each turn of its inflate loop: at a block\'s start and after a buffer write with more of the block to come', async () => {
    // esptool 4.6.1 stub_write_flash.c: each turn of the loop over one FLASH_DEFL_DATA block starts
    // the next erase if the chip is idle (instant timing: always), then inflates until the block is
    // used up or the 32 KiB buffer is full. The first block here inflates to about 48 KiB: one
    // buffer written, then more of the block, so a second erase starts before the next block comes.
    const { board, host } = await stubBoard('esp32', 'instant');
    const log: string[] = [];
    const flash = board.flash;
    const hex = (n: number): string => `0x${n.toString(16)}`;
    const { program, eraseSector, eraseBlock64 } = flash;
    flash.program = (address, data) => (log.push(`program ${hex(address)}`), program.call(flash, address, data));
    flash.eraseSector = (sector) => (log.push(`erase sector ${hex(sector * 0x1000)}`), eraseSector.call(flash, sector));
    flash.eraseBlock64 = (block) => (log.push(`erase block ${hex(block * 0x10000)}`), eraseBlock64.call(flash, block));
    const image = new Uint8Array(96 * 1024).map((_, i) => (i * 7) & 0x3f);
    const compressed = new Uint8Array(deflateSync(image));
    const half = Math.ceil(compressed.length / 2);
    expect(status(await host.command(OP.FLASH_DEFL_BEGIN, u32(image.length, 2, half, 0x100000)))).toEqual([0, 0]);
    for (let seq = 0; seq < 2; seq++) {
      log.push(`block ${seq}`);
      const { payload, chk } = dataPayload(compressed.subarray(seq * half, (seq + 1) * half), seq);
      expect(status(await host.command(OP.FLASH_DEFL_DATA, payload, chk))).toEqual([0, 0]);
    }
    expect(status(await host.command(OP.FLASH_DEFL_END, u32(1)))).toEqual([0, 0]);
    expect(log.slice(0, 6)).toEqual([
      'block 0',
      'erase block 0x100000', // the block's start
      'program 0x100000', // the first 32 KiB buffer
      'erase sector 0x110000', // more of the block to inflate: the next erase (8 sectors remain, less than a block)
      'block 1',
      'erase sector 0x111000', // the next block's start
    ]);
    expect(Buffer.from(board.readFlash(0x100000, image.length)).equals(Buffer.from(image))).toBe(true);
  });

  it('keeps inflated bytes in its 32 KiB buffer across streams: an interrupted stream\'s are written first at the next offset', async () => {
    // Espressif's stub inflates into one static 32 KiB buffer and writes it when full or at the
    // stream's end; FLASH_DEFL_BEGIN resets the inflater, not that buffer.
    const { board, host } = await stubBoard();
    const first = new Uint8Array(48 * 1024).fill(0x11);
    const compressed = new Uint8Array(deflateSync(first));
    // Stream A: begun, its whole data sent but its end not (the link died): 48 KiB inflated, 32 KiB written, 16 KiB held.
    const head = compressed.subarray(0, compressed.length - 4); // everything but the Adler-32 trailer
    expect(status(await host.command(OP.FLASH_DEFL_BEGIN, u32(first.length, 1, 0x4000, 0x40000)))).toEqual([0, 0]);
    const a = dataPayload(head, 0);
    expect(status(await host.command(OP.FLASH_DEFL_DATA, a.payload, a.chk))).toEqual([0, 0]);
    // Stream B, 8 KiB of 0x22 at 0x80000, sent whole.
    const second = new Uint8Array(8 * 1024).fill(0x22);
    await writeCompressed(host, 0x80000, second);
    expect(status(await host.command(OP.FLASH_DEFL_END, u32(1)))).toEqual([0, 0]);
    // What B's offset holds is what A left in the buffer, trimmed to B's size.
    expect(board.readFlash(0x80000, second.length).every((b) => b === 0x11)).toBe(true);
  });

  it('answers a block that comes after the announced size is written with TOO_MUCH_DATA', async () => {
    const { host } = await stubBoard();
    const image = new Uint8Array(randomBytes(60000));
    const compressed = new Uint8Array(deflateSync(image)); // random bytes: four 16 KiB blocks
    // Announce 20,000 bytes but send the 60,000-byte stream: the first 32 KiB flush (in the third
    // block) fills the size, and the fourth block finds nothing left to write.
    expect(status(await host.command(OP.FLASH_DEFL_BEGIN, u32(20000, 4, 0x4000, 0)))).toEqual([0, 0]);
    const errors: number[] = [];
    for (let seq = 0; seq < 4; seq++) {
      const { payload, chk } = dataPayload(compressed.subarray(seq * 0x4000, (seq + 1) * 0x4000), seq);
      errors.push(status(await host.command(OP.FLASH_DEFL_DATA, payload, chk))[0]);
    }
    // An error is reported with the block after the one that caused it.
    expect(errors).toEqual([0, 0, 0, 0xc9]);
    expect(status(await host.command(OP.FLASH_DEFL_END, u32(1)))[0]).toBe(0xc9);
  });

  it('returns MD5 as 16 raw bytes (size field 18)', async () => {
    const { board, host } = await stubBoard();
    const data = new Uint8Array(randomBytes(5000));
    board.writeFlashRaw(0x2000, data);
    const r = await host.command(OP.SPI_FLASH_MD5, u32(0x2000, data.length, 0, 0));
    expect(r.size).toBe(18);
    expect(Buffer.from(r.data.subarray(0, 16)).toString('hex')).toBe(createHash('md5').update(data).digest('hex'));
    expect(status(r, 16)).toEqual([0, 0]);
  });

  it('writes uncompressed blocks, trimming the padded last block to the announced size', async () => {
    const { board, host } = await stubBoard();
    board.writeFlashRaw(0, new Uint8Array(0x8000));
    const image = Uint8Array.from({ length: 0x4100 }, (_, i) => i & 0xff);
    expect(status(await host.command(OP.FLASH_BEGIN, u32(image.length, 2, 0x4000, 0)))).toEqual([0, 0]);
    for (let seq = 0; seq < 2; seq++) {
      const block = new Uint8Array(0x4000).fill(0xff);
      block.set(image.subarray(seq * 0x4000, (seq + 1) * 0x4000));
      const { payload, chk } = dataPayload(block, seq);
      expect(status(await host.command(OP.FLASH_DATA, payload, chk))).toEqual([0, 0]);
    }
    expect(status(await host.command(OP.FLASH_END, u32(1)))).toEqual([0, 0]);
    expect(Array.from(board.readFlash(0, image.length))).toEqual(Array.from(image));
    // The second sector beyond the data (0x5000) was never erased.
    expect(board.readFlash(0x5000, 1)[0]).toBe(0x00);
  });

  it("uses its own error codes: bad checksum 0xC1, not in flash mode 0xC6, bad block size 0xC2, unknown 0xFF", async () => {
    const { host } = await stubBoard();
    const d = dataPayload(new Uint8Array(16), 0);
    expect(status(await host.command(OP.FLASH_DATA, d.payload, d.chk))).toEqual([0xc6, 0]);
    expect(status(await host.command(OP.FLASH_BEGIN, u32(0x1000, 1, 0x8000, 0)))).toEqual([0xc2, 0]);
    await host.command(OP.FLASH_BEGIN, u32(0x1000, 1, 0x4000, 0));
    expect(status(await host.command(OP.FLASH_DATA, d.payload, d.chk ^ 1))).toEqual([0xc1, 0]);
    expect(status(await host.command(0x55))).toEqual([0xff, 0]);
    expect(status(await host.command(OP.READ_FLASH_SLOW, u32(0, 64)))).toEqual([0xff, 0]); // the ROM's, not the stub's
    expect(status(await host.command(OP.GET_SECURITY_INFO))).toEqual([0xff, 0]); // not in the ESP32 stub
  });

  it('reports an inflate error with the next block (0xC7) and a short image at FLASH_END (0xC8)', async () => {
    const { host } = await stubBoard();
    await host.command(OP.FLASH_DEFL_BEGIN, u32(0x2000, 2, 0x4000, 0));
    const junk = dataPayload(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 0);
    expect(status(await host.command(OP.FLASH_DEFL_DATA, junk.payload, junk.chk))).toEqual([0, 0]); // acked before inflating
    expect(status(await host.command(OP.FLASH_DEFL_DATA, junk.payload, junk.chk))).toEqual([0xc7, 0]);

    await writeCompressed(host, 0x10000, new Uint8Array(0x800));
    // Announce more than the stream holds: the stream ends early.
    const compressed = new Uint8Array(deflateSync(new Uint8Array(0x800)));
    await host.command(OP.FLASH_DEFL_BEGIN, u32(0x1000, 1, 0x4000, 0x20000));
    const p = dataPayload(compressed, 0);
    await host.command(OP.FLASH_DEFL_DATA, p.payload, p.chk);
    expect(status(await host.command(OP.FLASH_DEFL_END, u32(1)))).toEqual([0xc8, 0]);
  });

  it('erases regions (aligned only: 0x32 / 0x33) and the whole chip', async () => {
    const { board, host } = await stubBoard();
    board.writeFlashRaw(0, new Uint8Array(0x40000));
    expect(status(await host.command(OP.ERASE_REGION, u32(0x1001, 0x1000)))).toEqual([0x32, 0]);
    expect(status(await host.command(OP.ERASE_REGION, u32(0x1000, 0x800)))).toEqual([0x33, 0]);
    expect(status(await host.command(OP.ERASE_REGION, u32(0xf000, 0x12000)))).toEqual([0, 0]);
    expect(board.readFlash(0xefff, 1)[0]).toBe(0);
    expect(board.readFlash(0xf000, 0x12000).every((b) => b === 0xff)).toBe(true);
    expect(board.readFlash(0x21000, 1)[0]).toBe(0);
    expect(status(await host.command(OP.ERASE_FLASH))).toEqual([0, 0]);
    expect(board.readFlash(0, 0x40000).every((b) => b === 0xff)).toBe(true);
  });

  it('READ_FLASH: sends no more than max-in-flight unacknowledged bytes, then the MD5 digest', async () => {
    const { board, host } = await stubBoard();
    const data = new Uint8Array(randomBytes(0x4000));
    board.writeFlashRaw(0x8000, data);
    // max_in_flight 64 bytes: a 4 KiB packet already exceeds it, so one packet per acknowledgement.
    expect(status(await host.command(OP.READ_FLASH, u32(0x8000, data.length, 0x1000, 64)))).toEqual([0, 0]);
    const received: Uint8Array[] = [];
    let first = await host.drainPackets(30);
    expect(first).toHaveLength(1);
    while (received.length < 4) {
      const p = first.shift() ?? (await host.packet(500));
      if (!p) throw new Error('stub stopped sending');
      expect(p.length).toBe(0x1000);
      received.push(p);
      await host.sendFrame(u32(received.length * 0x1000));
      first = [];
    }
    const digest = await host.packet(500);
    expect(Buffer.from(digest ?? []).toString('hex')).toBe(createHash('md5').update(data).digest('hex'));
    expect(Buffer.concat(received).equals(Buffer.from(data))).toBe(true);
  });

  it('READ_FLASH with a wide window sends several packets before the first acknowledgement', async () => {
    const { board, host } = await stubBoard();
    board.writeFlashRaw(0, new Uint8Array(randomBytes(0x8000)));
    await host.command(OP.READ_FLASH, u32(0, 0x8000, 0x1000, 0x3000));
    const burst = await host.drainPackets(30);
    expect(burst).toHaveLength(3);
    // A frame that is not a 4-byte acknowledgement ends the transfer; the digest still follows.
    await host.sendFrame(Uint8Array.from([1, 2, 3]));
    const digest = await host.packet(500);
    expect(digest?.length).toBe(16);
    expect(status(await host.command(OP.READ_REG, u32(0x40001000)))).toEqual([0, 0]); // back to commands
  });

  it('CHANGE_BAUDRATE replies at the old rate and switches after', async () => {
    const { host, link } = await stubBoard();
    expect(status(await host.command(OP.CHANGE_BAUDRATE, u32(460800, 115200)))).toEqual([0, 0]);
    await link.setBaudRate(460800);
    expect((await host.command(OP.READ_REG, u32(0x40001000))).value).toBe(0x00f01d83);
  });

  it('the ESP32-C3 stub answers GET_SECURITY_INFO (size 22, chip id 5)', async () => {
    const { host } = await stubBoard('esp32c3');
    const r = await host.command(OP.GET_SECURITY_INFO);
    expect(r.size).toBe(22);
    expect(new DataView(r.data.buffer, r.data.byteOffset).getUint32(12, true)).toBe(5);
    expect(status(r, 20)).toEqual([0, 0]);
  });

  it('FLASH_END(0) reboots out of the stub; RUN_USER_CODE runs the app without a reply', async () => {
    const { board, host } = await stubBoard();
    await host.command(OP.FLASH_BEGIN, u32(0, 0, 0x4000, 0));
    await host.command(OP.FLASH_END, u32(0));
    expect(board.state).toBe('download-rom'); // IO0 strapped low: the reset lands in the ROM again
    const again = await stubBoard();
    await again.host.send(OP.RUN_USER_CODE);
    await again.host.settle(20);
    expect(again.board.state).toBe('boot-failed'); // erased flash: nothing to run
  });
});
