/**
 * The flash is busy as long as a real NOR chip: the board holds its replies until the erase or
 * program is done. Measured on fake timers, so the assertion is about the board's clock, not
 * about how loaded the machine is.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FlashClock, flashTimesFor, flashTimingScale } from '../../../../../electron/virtual-board/hardware/flash-timing';
import { createVirtualBoardImpl } from '../../../../../electron/virtual-board';
import { SlipDecoder, slipEncode } from '../../../../../electron/esp/slip';
import { commandPacket, parseResponse, SYNC_DATA, u32 } from '../helpers/host';

afterEach(() => {
  vi.useRealTimers();
});

describe('the flash timing table', () => {
  it('has typical datasheet values per vendor, chip erase growing with size', () => {
    const winbond = flashTimesFor(0xef4016);
    expect(winbond).toMatchObject({ sectorEraseMs: 45, block64EraseMs: 150 });
    expect(winbond.pageProgramMs).toBeGreaterThanOrEqual(0.5);
    expect(winbond.pageProgramMs).toBeLessThanOrEqual(0.7);
    let now = 1000;
    const clock = new FlashClock(winbond, 1, 4 << 20, () => now);
    clock.chip();
    expect(clock.take()).toBe(0); // outside a frame (the app's filesystem): costs the loader nothing
    clock.beginFrame();
    clock.chip();
    expect(clock.take()).toBe(10_000); // W25Q32: ~10 s
    expect(clock.take()).toBe(0);
    // Aligned 64 KiB runs are erased as blocks, the rest as sectors.
    now += 10_000;
    clock.beginFrame();
    clock.sectors(15, 18); // 1 sector, a block (16..31), 1 sector
    expect(clock.take()).toBe(45 + 150 + 45);
    expect(flashTimesFor(0xc22016).block64EraseMs).not.toBe(winbond.block64EraseMs);
    expect(flashTimingScale('instant')).toBe(0);
    const instant = new FlashClock(winbond, flashTimingScale('instant'), 4 << 20);
    instant.beginFrame();
    instant.chip();
    expect(instant.take()).toBe(0);
    expect(flashTimingScale(0.01)).toBe(0.01);
    expect(() => flashTimingScale(-1)).toThrow(/not a scale/);
  });
});

async function romBoard(flashTiming: 'real' | 'instant' | number) {
  const board = await createVirtualBoardImpl({ chip: 'esp32', bootMode: 'download', linkModel: false, flashTiming });
  const link = board.connect();
  const decoder = new SlipDecoder();
  const replies: Array<{ op: number; at: number }> = [];
  let reading = true;
  void (async () => {
    while (reading) {
      const bytes = await link.read(1_000_000).catch(() => new Uint8Array(0));
      for (const packet of decoder.push(bytes).packets) {
        const r = parseResponse(packet);
        if (r) replies.push({ op: r.op, at: Date.now() });
      }
    }
  })();
  const send = (op: number, data: Uint8Array) => link.write(slipEncode(commandPacket(op, data)));
  return { board, send, replies, stop: async () => ((reading = false), await board.close()) };
}

describe('the chip runs one operation at a time; the stub need not wait for its erases', () => {
  it('holds the loader for blocking work, not for an erase started in the background', () => {
    const winbond = flashTimesFor(0xef4016);
    let now = 0;
    const clock = new FlashClock(winbond, 1, 4 << 20, () => now);
    clock.beginFrame();
    clock.inBackground(() => clock.block64()); // the stub starts a 64 KiB erase and goes on
    expect(clock.isIdle()).toBe(false);
    expect(clock.take()).toBe(0); // its answer and the next block need not wait
    now = 100;
    clock.beginFrame();
    expect(clock.isIdle()).toBe(false); // 50 ms of the erase still to go
    clock.program(256 * 10); // a write waits for the erase, then programs 10 pages
    expect(clock.take()).toBeCloseTo(50 + 7, 9);
    now = 200;
    clock.beginFrame();
    expect(clock.isIdle()).toBe(true);
    clock.inBackground(() => clock.sector());
    clock.waitIdle(); // the stub's "erase up to here" loop waits for each erase
    expect(clock.take()).toBe(45);
    expect(clock.worked).toBeCloseTo(150 + 7 + 45, 9);
  });
});

describe('a board with flash timing', () => {
  it.each([1, 0.01])('answers FLASH_BEGIN only after its erase (scale %s)', async (scale) => {
    vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { board, send, replies, stop } = await romBoard(scale);
    board.writeFlashRaw(0, new Uint8Array(0x40000).fill(0));
    await send(0x08, SYNC_DATA);
    await send(0x0d, new Uint8Array(8)); // SPI_ATTACH
    await vi.advanceTimersByTimeAsync(5);
    replies.length = 0;
    const started = Date.now();
    // FLASH_BEGIN erasing 256 KiB at 0: four 64 KiB blocks, 150 ms each on the W25Q32.
    await send(0x02, u32(0x40000, 256, 0x400, 0));
    const expected = 4 * 150 * scale;
    await vi.advanceTimersByTimeAsync(expected - 1);
    expect(replies.filter((r) => r.op === 0x02)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2);
    const begin = replies.find((r) => r.op === 0x02);
    expect(begin).toBeDefined();
    expect(begin!.at - started).toBeGreaterThanOrEqual(expected);
    expect(board.readFlash(0, 0x40000).every((b) => b === 0xff)).toBe(true);
    await stop();
  });
});
