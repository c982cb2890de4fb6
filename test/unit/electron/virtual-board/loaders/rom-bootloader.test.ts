import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createVirtualBoardImpl } from '../../../../../electron/virtual-board/index';
import type { VirtualBoardImpl } from '../../../../../electron/virtual-board/board';
import { concat, dataPayload, Host, OP, romStatus, SYNC_DATA, u32 } from '../helpers/host';

/**
 * ROM loader conformance, from Espressif's serial-protocol documentation: framing, status lengths,
 * SYNC, registers, flash commands, error codes, the ESP8266 erase quirk.
 */

let boards: VirtualBoardImpl[] = [];
afterEach(async () => {
  await Promise.all(boards.map((b) => b.close()));
  boards = [];
});

async function romBoard(chip: 'esp8266' | 'esp32' | 'esp32c3' | 'esp32s2' | 'esp32s3', hostBaud?: number) {
  const board = await createVirtualBoardImpl({ chip, bootMode: 'download', linkModel: false, name: 'rom test' });
  boards.push(board);
  const link = board.connect();
  if (hostBaud) await link.setBaudRate(hostBaud);
  const host = new Host(link);
  return { board, link, host };
}

// esptool's run_spiflash_command sequence, from the register layout in the documentation/TRM.
async function spiCommand(host: Host, chip: 'esp8266' | 'esp32', command: number, readBits: number): Promise<number> {
  const base = chip === 'esp8266' ? 0x60000200 : 0x3ff42000;
  const usr = base + 0x1c;
  const usr1 = base + 0x20;
  const usr2 = base + 0x24;
  const w0 = base + (chip === 'esp8266' ? 0x40 : 0x80);
  if (chip === 'esp8266') await host.writeReg(usr1, (readBits - 1) << 8);
  else await host.writeReg(base + 0x2c, readBits - 1); // MISO_DLEN
  await host.writeReg(usr, (1 << 31) | (1 << 28)); // COMMAND | MISO phases
  await host.writeReg(usr2, (7 << 28) | command);
  await host.writeReg(w0, 0);
  await host.writeReg(base, 1 << 18); // CMD.USR
  expect((await host.readReg(base)) & (1 << 18)).toBe(0); // done at once
  return host.readReg(w0);
}

describe('ESP8266 ROM', () => {
  it('prints its boot message at 74880 baud (readable there, garbage at 115200)', async () => {
    const a = await romBoard('esp8266', 74880);
    await a.host.settle(20);
    expect(Buffer.from(a.host.stray).toString('latin1')).toContain('ets Jan  8 2013,rst cause:1, boot mode:(1,7)');

    const b = await romBoard('esp8266');
    await b.host.settle(20);
    expect(b.host.stray.length).toBeGreaterThan(0);
    expect(Buffer.from(b.host.stray).toString('latin1')).not.toContain('ets Jan');
  });

  it('auto-bauds on SYNC: the first attempt at 115200 is lost, then it answers with 8 replies', async () => {
    const { host } = await romBoard('esp8266');
    await host.settle(10);
    host.clear();
    await host.send(OP.SYNC, SYNC_DATA);
    expect(await host.drainPackets(50)).toHaveLength(0);
    const replies = await host.sync();
    expect(replies).toHaveLength(8);
    for (const r of replies) {
      expect(r.size).toBe(2); // ESP8266 ROM: 2 status bytes
      expect(Array.from(r.data)).toEqual([0, 0]);
      expect(r.value).toBe(0x20120707); // non-zero: a ROM, not a stub
    }
  });

  it('syncs directly at 460800 and its clock divider then still says 26 MHz', async () => {
    const { host } = await romBoard('esp8266', 460800);
    await host.sync();
    const divider = (await host.readReg(0x60000014)) & 0xfffff;
    // The ESP8266 UART runs from twice the crystal: baud * divider = 2 * 26 MHz.
    expect(Math.round((460800 * divider) / 1e6 / 2)).toBe(26);
  });

  it('reports its magic, MAC (OTP words) and a value field that keeps the last READ_REG result', async () => {
    const { host } = await romBoard('esp8266', 74880);
    await host.sync();
    expect(await host.readReg(0x40001000)).toBe(0xfff0c101);
    const mac0 = await host.readReg(0x3ff00050);
    const mac1 = await host.readReg(0x3ff00054);
    const mac3 = await host.readReg(0x3ff0005c);
    const mac = [(mac3 >> 16) & 0xff, (mac3 >> 8) & 0xff, mac3 & 0xff, (mac1 >> 8) & 0xff, mac1 & 0xff, (mac0 >>> 24) & 0xff];
    expect(mac.slice(0, 3)).toEqual([0x5c, 0xcf, 0x7f]);
    const w = await host.writeReg(0x3ffe8000, 1);
    expect(w.value).toBe(mac3); // junk left over from the previous READ_REG, as real ROMs send
  });

  it.each([0x0d, 0x0e, 0x0f, 0x10, 0x13, 0x14, 0xd0, 0xd2].map((op) => [op.toString(16), op] as const))(
    'refuses 0x%s, which it lacks, with 0x05 in a reply carrying another opcode',
    async (_name, op) => {
    const { host } = await romBoard('esp8266', 74880);
    await host.sync();
    await host.readReg(0x40001000);
    host.clear();
    await host.send(op, u32(0, 0, 0, 0));
    const packets = await host.drainPackets(30);
    expect(packets).toHaveLength(1);
    const p = packets[0] as Uint8Array;
    expect(p[0]).toBe(0x01);
    expect(p[1]).not.toBe(op);
    expect(Array.from(p.subarray(8))).toEqual([1, 0x05]);
    },
  );

  it('FLASH_BEGIN erase-size quirk: a naive size over-erases, the corrected size does not', async () => {
    const { board, host } = await romBoard('esp8266', 74880);
    await host.sync();
    const fill = () => board.writeFlashRaw(0, new Uint8Array(0x20000));
    fill();
    // Naive: 0x5000 bytes at 0x3000 -> sectors 3..12 erased (5 too many).
    expect(romStatus(await host.command(OP.FLASH_BEGIN, u32(0x5000, 20, 0x400, 0x3000)))).toEqual([0, 0]);
    expect(board.readFlash(0x2fff, 1)[0]).toBe(0x00);
    expect(board.readFlash(0x3000, 0xa000).every((b) => b === 0xff)).toBe(true);
    expect(board.readFlash(0xd000, 1)[0]).toBe(0x00);
    // Corrected (esptool's get_erase_size): 3 sectors -> 6 erased, one sector more than needed.
    fill();
    await host.command(OP.FLASH_BEGIN, u32(0x3000, 20, 0x400, 0x3000));
    expect(board.readFlash(0x3000, 0x6000).every((b) => b === 0xff)).toBe(true);
    expect(board.readFlash(0x9000, 1)[0]).toBe(0x00);
  });

  it('the over-erase wraps around on a small chip: flashing 0x31000 bytes at 0x40000 of 512 KiB wipes sector 0', async () => {
    const board = await createVirtualBoardImpl({ chip: 'esp8266', flashSize: 512 * 1024, bootMode: 'download', linkModel: false });
    boards.push(board);
    const link = board.connect();
    await link.setBaudRate(74880);
    const host = new Host(link);
    await host.sync();
    board.writeFlashRaw(0, new Uint8Array(0x2000));
    // 49 sectors from sector 64 (head 16): 65 erased, past the end of the chip and back to 0.
    await host.command(OP.FLASH_BEGIN, u32(0x31000, 0xc4, 0x400, 0x40000));
    expect(board.readFlash(0, 0x1000).every((b) => b === 0xff)).toBe(true);
    expect(board.readFlash(0x1000, 1)[0]).toBe(0x00);
  });

  it('FLASH_DATA: writes blocks, checks the checksum (0x07), the block size (0x05) and reads back (0x08)', async () => {
    const { board, host } = await romBoard('esp8266', 74880);
    await host.sync();
    await host.command(OP.FLASH_BEGIN, u32(0x1000, 4, 0x400, 0x10000)); // corrected size for 4 sectors... erases more
    const block = Uint8Array.from({ length: 0x400 }, (_, i) => (i * 13) & 0xff);
    const ok = dataPayload(block, 0);
    expect(romStatus(await host.command(OP.FLASH_DATA, ok.payload, ok.chk))).toEqual([0, 0]);
    expect(Array.from(board.readFlash(0x10000, 0x400))).toEqual(Array.from(block));

    expect(romStatus(await host.command(OP.FLASH_DATA, dataPayload(block, 1).payload, 0x00))).toEqual([1, 0x07]);
    const short = dataPayload(block.subarray(0, 0x200), 1);
    expect(romStatus(await host.command(OP.FLASH_DATA, short.payload, short.chk))).toEqual([1, 0x05]);

    // Writing again over programmed (not erased) flash: the read-back's checksum differs -> 0x08.
    const other = new Uint8Array(0x400).fill(0xff);
    other[1] = 0x00;
    const o = dataPayload(other, 0);
    expect(romStatus(await host.command(OP.FLASH_DATA, o.payload, o.chk))).toEqual([1, 0x08]);
    // The check is only an 8-bit XOR: a mismatch that keeps the XOR slips through, which is why
    // the documentation recommends SPI_FLASH_MD5 after writing.
    const same = dataPayload(block.map((b) => b ^ 0xff), 0);
    expect(romStatus(await host.command(OP.FLASH_DATA, same.payload, same.chk))).toEqual([0, 0]);
    expect(board.readFlash(0x10000, 0x400).every((b) => b === 0)).toBe(true);
  });

  it('MEM_DATA checks its checksum too; MEM_END with an entry point starts the stub ("OHAI")', async () => {
    const { board, host } = await romBoard('esp8266', 74880);
    await host.sync();
    await host.command(OP.MEM_BEGIN, u32(8, 1, 0x1800, 0x4010d000));
    expect(romStatus(await host.command(OP.MEM_DATA, dataPayload(new Uint8Array(8), 0).payload, 0x12))).toEqual([1, 0x07]);
    const end = await host.uploadStub('esp8266');
    expect(romStatus(end)).toEqual([0, 0]);
    const ohai = await host.packet(200);
    expect(Buffer.from(ohai ?? []).toString('latin1')).toBe('OHAI');
    expect(board.state).toBe('download-stub');
  });

  it('answers JEDEC RDID issued through the SPI user-command registers', async () => {
    const { host } = await romBoard('esp8266', 74880);
    await host.sync();
    expect(await spiCommand(host, 'esp8266', 0x9f, 24)).toBe(0x1640ef); // W0 = EF 40 16, first byte lowest
    expect(await spiCommand(host, 'esp8266', 0x05, 8)).toBe(0x00); // status register 1
  });
});

describe('ESP32 ROM', () => {
  it('prints the download boot message at 115200 and answers SYNC with 4 status bytes', async () => {
    const { host } = await romBoard('esp32');
    await host.settle(20);
    const log = Buffer.from(host.stray).toString('latin1');
    expect(log).toContain('rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))');
    expect(log).toContain('waiting for download');
    const replies = await host.sync();
    expect(replies).toHaveLength(8);
    expect(replies[0]?.size).toBe(4);
    expect(Array.from(replies[0]?.data ?? [])).toEqual([0, 0, 0, 0]);
    expect(replies[0]?.value).toBe(0x20120707);
  });

  it('reports magic, MAC (efuse words 1-2) and a 40 MHz crystal through the UART divider', async () => {
    const { host } = await romBoard('esp32');
    await host.sync();
    expect(await host.readReg(0x40001000)).toBe(0x00f01d83);
    const w1 = await host.readReg(0x3ff5a004);
    const w2 = await host.readReg(0x3ff5a008);
    const mac = [(w2 >> 8) & 0xff, w2 & 0xff, (w1 >>> 24) & 0xff, (w1 >> 16) & 0xff, (w1 >> 8) & 0xff, w1 & 0xff];
    expect(mac.slice(0, 3)).toEqual([0x24, 0x0a, 0xc4]);
    const divider = (await host.readReg(0x3ff40014)) & 0xfffff;
    expect(Math.round((115200 * divider) / 1e6)).toBe(40);
  });

  it('auto-bauds: a host at 460800 syncs without CHANGE_BAUDRATE, and the divider follows', async () => {
    const { host } = await romBoard('esp32', 460800);
    const replies = await host.sync();
    expect(replies).toHaveLength(8);
    const divider = (await host.readReg(0x3ff40014)) & 0xfffff;
    expect(Math.round((460800 * divider) / 1e6)).toBe(40);
  });

  it('has no GET_SECURITY_INFO: refused like any unknown command', async () => {
    const { host } = await romBoard('esp32');
    await host.sync();
    host.clear();
    await host.send(OP.GET_SECURITY_INFO);
    const [p] = await host.drainPackets(30);
    expect(p?.[1]).not.toBe(OP.GET_SECURITY_INFO);
    expect(Array.from(p?.subarray(8) ?? [])).toEqual([1, 0x05, 0, 0]);
  });

  it('needs SPI_ATTACH (8-byte ROM form) before it can reach the flash', async () => {
    const { host } = await romBoard('esp32');
    await host.sync();
    expect(await spiCommand(host, 'esp32', 0x9f, 24)).toBe(0xffffff); // nothing on the bus yet
    expect(romStatus(await host.command(OP.FLASH_BEGIN, u32(0x1000, 1, 0x400, 0)))).toEqual([1, 0x06]);
    expect(romStatus(await host.command(OP.SPI_ATTACH, u32(0)))).toEqual([1, 0x05]); // stub form: too short for the ROM
    expect(romStatus(await host.command(OP.SPI_ATTACH, u32(0, 0)))).toEqual([0, 0]);
    expect(await spiCommand(host, 'esp32', 0x9f, 24)).toBe(0x1640ef);
  });

  it('writes compressed data itself (FLASH_DEFL_*), returns MD5 as 32 hex characters', async () => {
    const { board, host } = await romBoard('esp32');
    await host.sync();
    await host.command(OP.SPI_ATTACH, u32(0, 0));
    const image = Uint8Array.from({ length: 10000 }, (_, i) => (i % 251) ^ (i >> 8));
    const compressed = new Uint8Array(deflateSync(image));
    const block = 0x400;
    const blocks = Math.ceil(compressed.length / block);
    const erase = Math.ceil(image.length / block) * block;
    expect(romStatus(await host.command(OP.FLASH_DEFL_BEGIN, u32(erase, blocks, block, 0x20000)))).toEqual([0, 0]);
    for (let seq = 0; seq < blocks; seq++) {
      const { payload, chk } = dataPayload(compressed.subarray(seq * block, (seq + 1) * block), seq);
      expect(romStatus(await host.command(OP.FLASH_DEFL_DATA, payload, chk))).toEqual([0, 0]);
    }
    expect(Array.from(board.readFlash(0x20000, image.length))).toEqual(Array.from(image));
    const md5 = await host.command(OP.SPI_FLASH_MD5, u32(0x20000, image.length, 0, 0));
    expect(Buffer.from(md5.data.subarray(0, 32)).toString('latin1')).toBe(createHash('md5').update(image).digest('hex'));
    expect(romStatus(md5, 32)).toEqual([0, 0]);
    expect(md5.data.length).toBe(36);
  });

  it('reports a deflate error (0x0b) and a bad checksum (0x07) on FLASH_DEFL_DATA', async () => {
    const { host } = await romBoard('esp32');
    await host.sync();
    await host.command(OP.SPI_ATTACH, u32(0, 0));
    await host.command(OP.FLASH_DEFL_BEGIN, u32(0x1000, 1, 0x400, 0));
    const junk = Uint8Array.from([0x12, 0x34, 0x56, 0x78, 0x9a]);
    expect(romStatus(await host.command(OP.FLASH_DEFL_DATA, dataPayload(junk, 0).payload, 0))).toEqual([1, 0x07]);
    const d = dataPayload(junk, 0);
    expect(romStatus(await host.command(OP.FLASH_DEFL_DATA, d.payload, d.chk))).toEqual([1, 0x0b]);
  });

  it('READ_FLASH_SLOW returns 64 bytes per command and refuses longer reads (0x0a)', async () => {
    const { board, host } = await romBoard('esp32');
    await host.sync();
    await host.command(OP.SPI_ATTACH, u32(0, 0));
    board.writeFlashRaw(0x3000, Uint8Array.from({ length: 64 }, (_, i) => i));
    const r = await host.command(OP.READ_FLASH_SLOW, u32(0x3000, 16));
    expect(r.data.length).toBe(64 + 4);
    expect(Array.from(r.data.subarray(0, 16))).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(romStatus(r, 64)).toEqual([0, 0]);
    expect(romStatus(await host.command(OP.READ_FLASH_SLOW, u32(0x3000, 65)))).toEqual([1, 0x0a]);
  });

  it('READ_FLASH_SLOW pieces, asked as esptool asks them, reassemble a sector that matches SPI_FLASH_MD5', async () => {
    const { board, host } = await romBoard('esp32');
    await host.sync();
    await host.command(OP.SPI_ATTACH, u32(0, 0));
    const sector = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7 + (i >> 8)) & 0xff);
    board.writeFlashRaw(0x8000, sector);
    const pieces: Uint8Array[] = [];
    // The last request asks for less than 64 bytes; the ROM still sends its full 64-byte buffer.
    for (let at = 0; at < 4096 - 32; at += 64) {
      const length = Math.min(64, 4096 - 32 - at);
      const r = await host.command(OP.READ_FLASH_SLOW, u32(0x8000 + at, length));
      expect(r.data.length).toBe(64 + 4);
      expect(romStatus(r, 64)).toEqual([0, 0]);
      pieces.push(r.data.subarray(0, length));
    }
    const read = concat(...pieces);
    expect(Buffer.from(read).equals(Buffer.from(sector.subarray(0, 4096 - 32)))).toBe(true);
    const md5 = await host.command(OP.SPI_FLASH_MD5, u32(0x8000, read.length, 0, 0));
    expect(Buffer.from(md5.data.subarray(0, 32)).toString('latin1')).toBe(createHash('md5').update(read).digest('hex'));
  });

  it('READ_FLASH_SLOW fails with 0x09 before SPI_ATTACH and past the end of the flash', async () => {
    const { host } = await romBoard('esp32');
    await host.sync();
    expect(romStatus(await host.command(OP.READ_FLASH_SLOW, u32(0x1000, 64)))).toEqual([1, 0x09]);
    await host.command(OP.SPI_ATTACH, u32(0, 0));
    await host.command(OP.SPI_SET_PARAMS, u32(0, 4 << 20, 64 * 1024, 4096, 256, 0xffff));
    expect(romStatus(await host.command(OP.READ_FLASH_SLOW, u32((4 << 20) - 32, 64)))).toEqual([1, 0x09]);
  });

  it('CHANGE_BAUDRATE: the reply comes at the old rate, then the ROM listens at the new one', async () => {
    const { host, link } = await romBoard('esp32');
    await host.sync();
    const r = await host.command(OP.CHANGE_BAUDRATE, u32(921600, 0));
    expect(romStatus(r)).toEqual([0, 0]);
    // Still at 115200 on the host: the board's answers are now garbage.
    host.clear();
    await host.send(OP.READ_REG, u32(0x40001000));
    expect(await host.drainPackets(30)).toHaveLength(0);
    await link.setBaudRate(921600);
    expect(await host.readReg(0x40001000)).toBe(0x00f01d83);
  });

  it('FLASH_END(0) reboots (software reset, back to the ROM with IO0 still strapped low)', async () => {
    const { board, host } = await romBoard('esp32');
    await host.sync();
    await host.command(OP.SPI_ATTACH, u32(0, 0));
    await host.command(OP.FLASH_BEGIN, u32(0, 0, 0x400, 0));
    host.clear();
    await host.command(OP.FLASH_END, u32(0));
    await host.settle(20);
    expect(Buffer.from(host.stray).toString('latin1')).toContain('rst:0xc (SW_CPU_RESET),boot:0x3');
    expect(board.state).toBe('download-rom');
  });

  it('needs a FLASH_BEGIN before FLASH_DATA or FLASH_END (0x06)', async () => {
    const { host } = await romBoard('esp32');
    await host.sync();
    const d = dataPayload(new Uint8Array(0x400), 0);
    expect(romStatus(await host.command(OP.FLASH_DATA, d.payload, d.chk))).toEqual([1, 0x06]);
    expect(romStatus(await host.command(OP.FLASH_END, u32(1)))).toEqual([1, 0x06]);
  });

  it('rejects a size field that disagrees with the payload (0x05)', async () => {
    const { host } = await romBoard('esp32');
    await host.sync();
    host.clear();
    const packet = concat(Uint8Array.from([0x00, OP.READ_REG, 8, 0, 0, 0, 0, 0]), u32(0x40001000));
    const { slipEncode } = await import('../../../../../electron/esp/slip');
    await host.link.write(slipEncode(packet));
    expect(romStatus(await host.response(OP.READ_REG))).toEqual([1, 0x05]);
  });
});

describe('newer ROMs (per-chip descriptions)', () => {
  it.each([
    ['esp32c3', 5],
    ['esp32s3', 9],
  ] as const)('%s answers GET_SECURITY_INFO with 20 bytes carrying chip id %i', async (chip, id) => {
    const { host } = await romBoard(chip);
    await host.sync();
    const r = await host.command(OP.GET_SECURITY_INFO);
    expect(r.data.length).toBe(24);
    expect(new DataView(r.data.buffer, r.data.byteOffset).getUint32(12, true)).toBe(id);
    expect(romStatus(r, 20)).toEqual([0, 0]);
  });

  it('the ESP32-S2 answers the 12-byte form, without a chip id', async () => {
    const { host } = await romBoard('esp32s2');
    await host.sync();
    const r = await host.command(OP.GET_SECURITY_INFO);
    expect(r.data.length).toBe(16);
    expect(await host.readReg(0x40001000)).toBe(0x000007c6);
  });

  it('the ESP32-C3 ROM expects the fifth (encryption) word in FLASH_BEGIN', async () => {
    const { host } = await romBoard('esp32c3');
    await host.sync();
    await host.command(OP.SPI_ATTACH, u32(0, 0));
    expect(romStatus(await host.command(OP.FLASH_BEGIN, u32(0x1000, 4, 0x400, 0)))).toEqual([1, 0x05]);
    expect(romStatus(await host.command(OP.FLASH_BEGIN, u32(0x1000, 4, 0x400, 0, 0)))).toEqual([0, 0]);
  });
});
