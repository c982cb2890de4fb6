import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Op, packWords } from '../../../../electron/esp/command';
import { CommandFailedError, CommandTimeoutError, UnsupportedCommandError } from '../../../../electron/esp/errors';
import { EspLoader } from '../../../../electron/esp/loader';
import { SlipChannel } from '../../../../electron/esp/slip-channel';
import { FakeLink, response, u32, type Reply } from './fake-link';

function setup(respond: (packet: Uint8Array) => Reply[] | undefined): { link: FakeLink; loader: EspLoader } {
  const link = new FakeLink(respond);
  return { link, loader: new EspLoader(new SlipChannel(link)) };
}

const syncBurst = (value: number, count = 8): Reply[] => Array.from({ length: count }, () => response(Op.SYNC, value, [0, 0]));

describe('loader', () => {
  it('syncs, drains the burst of replies and tells a ROM (value ≠ 0) from a running stub (value 0)', async () => {
    const rom = setup((p) => (p[1] === Op.SYNC ? syncBurst(0x20120707) : undefined));
    expect(await rom.loader.sync()).toEqual({ stubDetected: false });
    const stub = setup((p) => (p[1] === Op.SYNC ? syncBurst(0, 1) : undefined));
    expect(await stub.loader.sync()).toEqual({ stubDetected: true });
  });

  it('skips stale replies until the opcode matches', async () => {
    const { loader } = setup((p) => (p[1] === Op.READ_REG ? [response(Op.SYNC, 1), response(Op.SYNC, 1), response(Op.READ_REG, 0xfff0c101)] : undefined));
    expect(await loader.readReg(0x40001000)).toBe(0xfff0c101);
  });

  it('accepts both 2 and 4 status bytes and reports failures readably', async () => {
    const four = setup((p) => (p[1] === Op.READ_REG ? [response(Op.READ_REG, 7, [0, 0, 0, 0])] : undefined));
    expect(await four.loader.readReg(0)).toBe(7);
    const failing = setup((p) => (p[1] === Op.WRITE_REG ? [response(Op.WRITE_REG, 0, [1, 0x06, 0, 0])] : undefined));
    await expect(failing.loader.writeReg(0, 0)).rejects.toThrow(CommandFailedError);
    await expect(failing.loader.writeReg(0, 0)).rejects.toThrow(/Failed to write a register: the board failed to act/);
  });

  it('recognises an unsupported command', async () => {
    const { loader } = setup((p) => (p[1] === Op.GET_SECURITY_INFO ? [response(0x00, 0, [1, 0x05])] : undefined));
    await expect(loader.securityInfo()).rejects.toThrow(UnsupportedCommandError);
  });

  it('times out when nothing answers', async () => {
    const { loader } = setup(() => undefined);
    const started = Date.now();
    await expect(loader.readReg(0, 60)).rejects.toThrow(CommandTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });

  it('reads MD5 as 32 hex characters from the ROM and 16 raw bytes from the stub', async () => {
    const digest = createHash('md5').update('kiln').digest();
    const hex = digest.toString('hex');
    const rom = setup((p) => (p[1] === Op.SPI_FLASH_MD5 ? [response(Op.SPI_FLASH_MD5, 0, [...Buffer.from(hex.toUpperCase(), 'latin1'), 0, 0, 0, 0])] : undefined));
    expect(await rom.loader.flashMd5(0, 4096)).toBe(hex);
    const stub = setup((p) => (p[1] === Op.SPI_FLASH_MD5 ? [response(Op.SPI_FLASH_MD5, 0, [...digest, 0, 0])] : undefined));
    stub.loader.isStub = true;
    expect(await stub.loader.flashMd5(0, 4096)).toBe(hex);
  });

  it('resends a block the board reports as corrupted, then gives up after three tries', async () => {
    let calls = 0;
    const flaky = setup((p) => {
      if (p[1] !== Op.FLASH_DATA) return undefined;
      calls += 1;
      return [response(Op.FLASH_DATA, 0, calls === 1 ? [1, 0x07] : [0, 0])];
    });
    await flaky.loader.flashData(Op.FLASH_DATA, new Uint8Array(1024), 0, 1000);
    expect(calls).toBe(2);
    expect(flaky.link.packets.filter((p) => p[1] === Op.FLASH_DATA)).toHaveLength(2);

    const broken = setup((p) => (p[1] === Op.FLASH_DATA ? [response(Op.FLASH_DATA, 0, [0xc1, 0x00])] : undefined));
    await expect(broken.loader.flashData(Op.FLASH_DATA, new Uint8Array(16), 0, 1000)).rejects.toThrow(/checksum/);
    expect(broken.link.packets.filter((p) => p[1] === Op.FLASH_DATA)).toHaveLength(3);
  });

  it('does not retry failures that are not about corruption', async () => {
    const { link, loader } = setup((p) => (p[1] === Op.FLASH_DATA ? [response(Op.FLASH_DATA, 0, [1, 0x08])] : undefined));
    await expect(loader.flashData(Op.FLASH_DATA, new Uint8Array(16), 0, 1000)).rejects.toThrow(/flash write failed/);
    expect(link.packets).toHaveLength(1);
  });

  describe('read flash', () => {
    /** A stub that streams `data` in 4 KiB packets, honouring acknowledgements, then sends the digest. */
    function streamingStub(data: Uint8Array, options: { corruptDigest?: boolean } = {}) {
      let sent = 0;
      const acks: number[] = [];
      const sendMore = (acked: number): Reply[] => {
        const out: Reply[] = [];
        while (sent < data.length && sent - acked < 64 * 0x1000) {
          out.push(data.slice(sent, sent + 0x1000));
          sent += Math.min(0x1000, data.length - sent);
        }
        return out;
      };
      const fixture = setup((p) => {
        if (p[1] === Op.READ_FLASH && p[0] === 0) {
          expect(u32(p, 8)).toBe(0); // offset
          expect(u32(p, 12)).toBe(data.length);
          expect(u32(p, 16)).toBe(0x1000);
          expect(u32(p, 20)).toBe(64);
          return [response(Op.READ_FLASH, 0, [0, 0]), ...sendMore(0)];
        }
        if (p.length === 4) {
          const acked = u32(p, 0);
          acks.push(acked);
          const more = sendMore(acked);
          if (acked === data.length) {
            const digest = createHash('md5').update(data).digest();
            if (options.corruptDigest) digest[0] = digest[0]! ^ 0xff;
            more.push(digest);
          }
          return more;
        }
        return undefined;
      });
      fixture.loader.isStub = true;
      return { ...fixture, acks };
    }

    it('acknowledges every packet with the running total and checks the closing MD5', async () => {
      const data = Uint8Array.from({ length: 0x1000 * 3 + 100 }, (_, i) => (i * 7) & 0xff);
      const { loader, acks } = streamingStub(data);
      const progress: number[] = [];
      const read = await loader.readFlash(0, data.length, { onData: (n) => progress.push(n) });
      expect(Buffer.from(read).equals(Buffer.from(data))).toBe(true);
      expect(acks).toEqual([0x1000, 0x2000, 0x3000, data.length]);
      expect(progress.at(-1)).toBe(data.length);
    });

    it('rejects data whose MD5 does not match the digest', async () => {
      const data = new Uint8Array(0x1000).fill(0x5a);
      const { loader } = streamingStub(data, { corruptDigest: true });
      await expect(loader.readFlash(0, data.length)).rejects.toThrow(/damaged/);
    });
  });

  it('sends the ROM an extra legacy word on SPI_ATTACH and the stub only one', async () => {
    const { link, loader } = setup((p) => [response(p[1]!, 0, [0, 0])]);
    await loader.spiAttach();
    loader.isStub = true;
    await loader.spiAttach();
    const attaches = link.packets.filter((p) => p[1] === Op.SPI_ATTACH);
    expect(attaches.map((p) => p.length - 8)).toEqual([8, 4]);
    expect(Array.from(attaches[0]!.subarray(8))).toEqual(Array.from(packWords(0, 0)));
  });
});
