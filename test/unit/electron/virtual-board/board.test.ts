import { afterEach, describe, expect, it } from 'vitest';
import { LinkClosedError, ModemLinesUnsupportedError, type Link } from '../../../../electron/serial/link';
import type { VirtualBoardImpl } from '../../../../electron/virtual-board/board';
import type { ConsoleRuntimeFactory, ConsoleRuntimeOptions } from '../../../../electron/virtual-board/console-runtime';
import { buildImage } from '../../../../electron/esp/image';
import { buildDemoFirmware } from '../../../../electron/virtual-board/demo-firmware';
import { createVirtualBoardImpl, type VirtualBoardOptions } from '../../../../electron/virtual-board/index';
import { dataPayload, Host, OP, sleep, SYNC_DATA, u32 } from './helpers/host';

/** The board around the loaders: reset circuit and boot modes, run mode, faults, link model. */

let boards: VirtualBoardImpl[] = [];
afterEach(async () => {
  await Promise.all(boards.map((b) => b.close()));
  boards = [];
});

async function make(options: Partial<VirtualBoardOptions> = {}) {
  const board = await createVirtualBoardImpl({ chip: 'esp32', linkModel: false, ...options });
  boards.push(board);
  return board;
}

async function text(host: Host, ms = 30): Promise<string> {
  await host.settle(ms);
  const s = Buffer.from(host.stray).toString('latin1');
  host.stray = [];
  return s;
}

// esptool's reset strategies, from its documentation of the auto-reset circuit.
async function classicReset(link: Link): Promise<void> {
  await link.setSignals({ dtr: false });
  await link.setSignals({ rts: true }); // EN low
  await sleep(100);
  await link.setSignals({ dtr: true }); // IO0 low...
  await link.setSignals({ rts: false }); // ...EN released
  await sleep(50);
  await link.setSignals({ dtr: false });
}

async function hardReset(link: Link): Promise<void> {
  await link.setSignals({ rts: true });
  await sleep(100);
  await link.setSignals({ rts: false });
  await sleep(20);
}

function fakeRuntime() {
  const calls: { options: ConsoleRuntimeOptions; input: number[]; stopped: boolean }[] = [];
  const factory: ConsoleRuntimeFactory = async (options) => {
    const call = { options, input: [] as number[], stopped: false };
    calls.push(call);
    options.output(new TextEncoder().encode(`MicroPython ${options.firmwareVersion}\r\n>>> `));
    return {
      input: (bytes) => call.input.push(...bytes),
      stop: async () => {
        call.stopped = true;
      },
    };
  };
  return { factory, calls };
}

describe('reset circuit and boot modes', () => {
  it('power-on with IO0 high and erased flash: the ROM cannot boot and says so, again and again', async () => {
    const board = await make();
    const host = new Host(board.connect());
    expect(board.state).toBe('boot-failed');
    expect(await text(host)).toContain('rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\nflash read err, 1000');
    await sleep(1100);
    expect(await text(host, 10)).toContain('rst:0x10 (RTCWDT_RTC_RESET)');
  });

  it("esptool's classic DTR/RTS sequence enters download mode; the hard reset leaves it", async () => {
    const board = await make();
    const link = board.connect();
    const host = new Host(link);
    await text(host);
    await classicReset(link);
    expect(board.state).toBe('download-rom');
    expect(await text(host)).toContain('waiting for download');
    await hardReset(link);
    expect(board.state).toBe('boot-failed');
  });

  it('setting both lines at once (UnixTightReset) works too', async () => {
    const board = await make();
    const link = board.connect();
    await link.setSignals({ dtr: false, rts: false });
    await link.setSignals({ dtr: true, rts: true });
    await link.setSignals({ dtr: false, rts: true });
    await sleep(100);
    await link.setSignals({ dtr: true, rts: false });
    await sleep(50);
    await link.setSignals({ dtr: false, rts: false });
    expect(board.state).toBe('download-rom');
  });

  it('a board without auto-reset ignores the lines; holding BOOT while tapping RESET works', async () => {
    const board = await make({ autoReset: false });
    const link = board.connect();
    await classicReset(link);
    expect(board.state).toBe('boot-failed');
    board.pressReset({ holdBoot: true });
    expect(board.state).toBe('download-rom');
    board.pressReset();
    expect(board.state).toBe('boot-failed');
  });

  it('a board without modem lines (like a pty) rejects setSignals', async () => {
    const board = await make({ modemLines: false });
    await expect(board.connect().setSignals({ dtr: true })).rejects.toBeInstanceOf(ModemLinesUnsupportedError);
  });

  it('refuseDownloadMode: strapping fails, every reset boots from flash', async () => {
    const board = await make({ faults: { refuseDownloadMode: true } });
    const link = board.connect();
    await classicReset(link);
    expect(board.state).toBe('boot-failed');
    board.pressReset({ holdBoot: true });
    expect(board.state).toBe('boot-failed');
    board.setFaults(undefined);
    board.pressReset({ holdBoot: true });
    expect(board.state).toBe('download-rom');
  });

  it('closing the port releases RTS: a chip held in reset starts', async () => {
    const board = await make();
    const link = board.connect();
    await link.setSignals({ dtr: false, rts: true });
    expect(board.state).toBe('off');
    await link.close();
    await sleep(20);
    expect(board.state).toBe('boot-failed');
  });

  it('allows one connection at a time', async () => {
    const board = await make();
    board.connect();
    expect(() => board.connect()).toThrow(/already open/);
  });
});

describe('run mode', () => {
  it('boots a valid MicroPython image: boot log, then the runtime with version and flash storage', async () => {
    const rt = fakeRuntime();
    const board = await make({ runtime: rt.factory, name: 'Demo ESP32' });
    const fw = buildDemoFirmware('esp32', { version: 'v1.24.1' });
    board.writeFlashRaw(fw.offset, fw.data);
    const link = board.connect();
    const host = new Host(link);
    const out = await text(host, 50);
    expect(out).toContain('boot:0x13 (SPI_FAST_FLASH_BOOT)');
    expect(out).toContain('load:0x40080400,len:256');
    expect(out).toContain('MicroPython v1.24.1\r\n>>> ');
    expect(board.state).toBe('running-app');
    const call = rt.calls[0];
    expect(call?.options.firmwareVersion).toBe('v1.24.1');
    expect(call?.options.boardName).toBe('Demo ESP32');
    expect(call?.options.storage.size).toBe(0x200000);

    await link.write(new TextEncoder().encode('print(1)\r'));
    await sleep(20);
    expect(Buffer.from(call?.input ?? []).toString()).toBe('print(1)\r');

    // The filesystem is flash: what the runtime stores shows up at 0x200000.
    call?.options.storage.write(Uint8Array.from([1, 2, 3]));
    expect(Array.from(board.readFlash(0x200000, 4))).toEqual([1, 2, 3, 0xff]);

    board.pressReset({ holdBoot: true });
    expect(call?.stopped).toBe(true);
  });

  it('an image without a MicroPython string runs silently; no runtime is started', async () => {
    const rt = fakeRuntime();
    const board = await make({ runtime: rt.factory });
    board.writeFlashRaw(0x1000, buildImage({ chip: 'esp32', entry: 0x40080404, segments: [{ address: 0x40080400, data: new Uint8Array(64) }] }));
    const host = new Host(board.connect());
    expect(await text(host)).toContain('entry 0x40080404');
    expect(board.state).toBe('running-app');
    expect(rt.calls).toHaveLength(0);
  });

  it('the ESP8266 prints its boot log at 74880, then the app talks at 115200', async () => {
    const rt = fakeRuntime();
    const board = await make({ chip: 'esp8266', runtime: rt.factory });
    const fw = buildDemoFirmware('esp8266');
    board.writeFlashRaw(0, fw.data);
    const host = new Host(board.connect()); // host at 115200
    const out = await text(host, 50);
    expect(out).not.toContain('ets Jan');
    expect(out).toContain('MicroPython v1.24.1');
  });
});

describe('faults', () => {
  it('dropAtByte loses a byte of the SYNC: that one is refused as malformed, the next is answered', async () => {
    const board = await make({ bootMode: 'download', faults: { dropAtByte: 20 } });
    const host = new Host(board.connect());
    await text(host);
    await host.send(OP.SYNC, SYNC_DATA);
    const replies = await host.drainPackets(30);
    expect(replies).toHaveLength(1); // 35 data bytes under a size field of 36: invalid message
    expect(Array.from(replies[0]?.subarray(8) ?? [])).toEqual([1, 0x05, 0, 0]);
    expect((await host.sync()).length).toBe(8);
  });

  it('corruptAtByte flips a bit inside a data block: the ROM reports the checksum error', async () => {
    const board = await make({ bootMode: 'download' });
    const host = new Host(board.connect());
    await host.sync();
    await host.command(OP.SPI_ATTACH, u32(0, 0));
    await host.command(OP.FLASH_BEGIN, u32(0x400, 1, 0x400, 0));
    const { payload, chk } = dataPayload(Uint8Array.from({ length: 0x400 }, (_, i) => (i * 3) & 0x7f), 0);
    board.setFaults({ corruptAtByte: 200, seed: 3 });
    const r = await host.command(OP.FLASH_DATA, payload, chk);
    expect([r.data[0], r.data[1]]).toEqual([1, 0x07]);
  });

  it('unplugAtByte closes the link like a pulled cable and powers the board off; reconnecting powers it on', async () => {
    const board = await make({ bootMode: 'download', faults: { unplugAtByte: 10 } });
    const link = board.connect();
    await text(new Host(link)); // the boot message
    const reasons: string[] = [];
    link.onClose((r) => reasons.push(r));
    const pending = link.read(1000);
    await link.write(new Uint8Array(30));
    await expect(pending).rejects.toBeInstanceOf(LinkClosedError);
    await expect(link.read(10)).rejects.toBeInstanceOf(LinkClosedError);
    await expect(link.write(new Uint8Array(1))).rejects.toBeInstanceOf(LinkClosedError);
    expect(reasons).toEqual(['the USB cable was unplugged']);
    expect(board.state).toBe('off');
    expect(board.stats.hostToBoard).toBe(10);
    const again = new Host(board.connect());
    expect(await text(again)).toContain('rst:0x1 (POWERON_RESET)');
    expect(board.state).toBe('download-rom');
  });

  it('stall: the board stops answering for a while, then answers what it received', async () => {
    const board = await make({ bootMode: 'download' });
    const host = new Host(board.connect());
    await host.sync();
    board.setFaults({ stall: { atByte: 0, ms: 300 } });
    host.clear();
    await host.send(OP.READ_REG, u32(0x40001000));
    expect(await host.drainPackets(150)).toHaveLength(0);
    const r = await host.response(OP.READ_REG, 1000);
    expect(r.value).toBe(0x00f01d83);
  });
});

describe('link model', () => {
  it('delivers no sooner than 10 bit times per byte plus latency', async () => {
    const board = await make({ bootMode: 'download', linkModel: { latencyMs: 5 } });
    const link = board.connect();
    const host = new Host(link);
    await host.settle(50);
    host.clear();
    const bytesBefore = board.stats.boardToHost;
    const t0 = performance.now();
    await host.send(OP.SYNC, SYNC_DATA);
    const first = await host.response(OP.SYNC, 1000);
    const elapsed = performance.now() - t0;
    expect(first.value).toBe(0x20120707);
    // 46 bytes up, at least one 14-byte reply down, at 115200, plus 5 ms latency each way.
    expect(elapsed).toBeGreaterThanOrEqual(((46 + 14) * 10 * 1000) / 115200 + 10 - 1);
    await host.settle(50);
    expect(board.stats.boardToHost - bytesBefore).toBe(8 * 14);
  });

  it('keeps the two directions independent and counts bytes each way', async () => {
    const board = await make({ bootMode: 'download', linkModel: { latencyMs: 1 } });
    const host = new Host(board.connect());
    await host.sync();
    const before = { ...board.stats };
    await host.readReg(0x40001000);
    expect(board.stats.hostToBoard - before.hostToBoard).toBe(14);
    expect(board.stats.boardToHost - before.boardToHost).toBe(14);
  });
});
