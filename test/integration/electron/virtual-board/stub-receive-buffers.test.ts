/**
 * The flasher stub receives commands into two buffers (one being handled, one filling), as
 * Espressif's stub does. A host that sends a third data block before the first is answered
 * loses the waiting one, so a client cannot look faster on the virtual board than on a real one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { Op, encodeDataCommand } from '../../../../electron/esp/command';
import { writeFlash } from '../../../../electron/esp/operations';
import { closeBoards, pattern, rig } from '../esp/helpers';

afterEach(closeBoards);

describe('the stub has two receive buffers', () => {
  it('a third data block sent while the stub writes makes the waiting one lost', async () => {
    const { board, session } = await rig('esp32', {}, { flashTiming: 'real' });
    // 32 KiB of zeros fill the stub's inflate buffer from the first block, so handling it writes:
    // it waits for the 64 KiB erase that block started, then programs 32 KiB. Random bytes after
    // them make the stream several blocks long.
    const data = new Uint8Array(64 * 1024);
    data.set(randomBytes(32 * 1024), 32 * 1024);
    const compressed = deflateSync(data, { level: 1 });
    const blockSize = 0x1000;
    const blocks = Math.ceil(compressed.length / blockSize);
    await session.loader.flashBegin(Op.FLASH_DEFL_BEGIN, { size: data.length, blocks, blockSize, offset: 0x10000, encryptWord: false }, 3000);
    // Three blocks back to back: the stub is busy writing the first while the others arrive.
    for (let seq = 0; seq < 3; seq++) await session.channel.writePacket(encodeDataCommand(Op.FLASH_DEFL_DATA, compressed.subarray(seq * blockSize, (seq + 1) * blockSize), seq));
    const replies: number[] = [];
    for (;;) {
      const packet = await session.channel.readPacket(1000);
      if (!packet) break;
      replies.push(packet[1]!);
    }
    expect(board.stats.rxOverruns).toBe(1);
    expect(replies.filter((op) => op === Op.FLASH_DEFL_DATA)).toHaveLength(2);
  });

  it("Kiln's own writes never overrun it", async () => {
    const { board, session } = await rig('esp32', {}, { flashTiming: 'real' });
    const result = await writeFlash(session, [{ offset: 0x10000, data: pattern(160 * 1024, 3) }]);
    expect(result.regions[0]!.verified).toBe(true);
    expect(board.stats.rxOverruns).toBe(0);
  });
});
