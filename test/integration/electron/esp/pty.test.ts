/**
 * The engine through the real `serialport` binding: a virtual board exposed on a socat pty pair
 * (its own bridge in electron/virtual-board/access/pty-bridge.ts), Kiln opening the other end as any
 * serial port. A pty has no modem lines, so the boards are strapped into download mode and the
 * engine must warn once ("no auto-reset") and carry on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../../electron/cli/run-cli';
import { ConnectError, InvalidRequestError, OperationAbortedError } from '../../../../electron/esp/errors';
import { changeBaud, detect, eraseFlash, eraseRegion, hardReset, readFlash, verifyFlash, writeFlash } from '../../../../electron/esp/operations';
import { openSession, type SessionOptions } from '../../../../electron/esp/session';
import { loadPackagedStub, type StubSource } from '../../../../electron/esp/stub';
import { SerialPortLink } from '../../../../electron/serial/serialport-link';
import { createVirtualBoardImpl, type VirtualBoardOptions } from '../../../../electron/virtual-board';
import { exposeOnPty, type PtyBridge } from '../../../../electron/virtual-board/access/pty-bridge';
import { md5, pattern, same } from './helpers';

type Board = Awaited<ReturnType<typeof createVirtualBoardImpl>>;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function ptyBoard(options: VirtualBoardOptions): Promise<{ board: Board; bridge: PtyBridge }> {
  const board = await createVirtualBoardImpl({ bootMode: 'download', linkModel: false, ...options });
  cleanups.push(() => board.close());
  const bridge = await exposeOnPty(board);
  cleanups.push(() => bridge.close());
  return { board, bridge };
}

async function connect(bridge: PtyBridge, options: SessionOptions = {}) {
  const link = await SerialPortLink.open(bridge.hostPath, 115200);
  cleanups.push(async () => {
    if (link.isOpen) await link.close();
  });
  const warnings: string[] = [];
  const session = await openSession(link, { baudRate: 460800, connectAttempts: 3, onWarning: (w) => warnings.push(w), ...options });
  return { link, session, warnings };
}

describe.each(['esp8266', 'esp32'] as const)('%s over a pty', (chip) => {
  it('detects, writes, verifies, reads back and erases through the stub', async () => {
    const { board, bridge } = await ptyBoard({ chip, jedecId: 0xc84016 });
    const { session, warnings } = await connect(bridge);
    expect(warnings.filter((w) => /no auto-reset/.test(w))).toHaveLength(1);
    expect(session.usingStub).toBe(true);
    expect(session.baudRate).toBe(460800);
    const info = await detect(session);
    expect(info.chip).toBe(chip);
    expect(info.flash).toMatchObject({ vendor: 'GigaDevice', model: 'GD25Q32', sizeBytes: 4 << 20 });

    const data = pattern(180_000, 31);
    const result = await writeFlash(session, [{ offset: 0x10000, data }]);
    expect(result.regions[0]).toMatchObject({ verified: true, md5: md5(data) });
    expect(same(await readFlash(session, 0x10000, data.length), data)).toBe(true);
    expect((await verifyFlash(session, [{ offset: 0x10000, data }]))[0]!.matches).toBe(true);

    await eraseRegion(session, 0x10000, 0x2000);
    expect(board.readFlash(0x10000, 0x2000).every((v) => v === 0xff)).toBe(true);
    expect(same(board.readFlash(0x12000, 1000), data.subarray(0x2000, 0x2000 + 1000))).toBe(true);
  });

  it('writes through the ROM loader alone', async () => {
    const { board, bridge } = await ptyBoard({ chip });
    const { session } = await connect(bridge, { useStub: false });
    expect(session.usingStub).toBe(false);
    const data = pattern(30_000, 32);
    const result = await writeFlash(session, [{ offset: 0x8000, data }]);
    expect(result.regions[0]!.verified).toBe(chip === 'esp32');
    expect(same(board.readFlash(0x8000, data.length), data)).toBe(true);
    if (chip === 'esp32') expect(same(await readFlash(session, 0x8000, 4096), data.subarray(0, 4096))).toBe(true);
    else await expect(readFlash(session, 0x8000, 4096)).rejects.toThrow(/ROM loader cannot read flash.*needs Kiln's flasher stub/);
    await eraseRegion(session, 0x8000, 0x1000);
    expect(board.readFlash(0x8000, 0x1000).every((v) => v === 0xff)).toBe(true);
  });

  it('recovers from an aborted write: same session, then a new connection that finds the stub running', async () => {
    const { board, bridge } = await ptyBoard({ chip });
    const { link, session } = await connect(bridge);
    const data = pattern(300_000, 33);
    const controller = new AbortController();
    const attempt = writeFlash(session, [{ offset: 0x40000, data }], {}, {
      signal: controller.signal,
      onProgress: (p) => p.stage === 'writing' && p.done > 0 && controller.abort(),
    });
    await expect(attempt).rejects.toThrow(OperationAbortedError);
    const small = pattern(20_000, 34);
    await writeFlash(session, [{ offset: 0x20000, data: small }]);

    await session.close('no-reset');
    expect(link.isOpen).toBe(false);
    const again = await connect(bridge, { before: 'no-reset' });
    expect(again.session.stubState).toBe('already-running');
    await writeFlash(again.session, [{ offset: 0x40000, data }]);
    expect(same(board.readFlash(0x40000, data.length), data)).toBe(true);
    expect(same(board.readFlash(0x20000, small.length), small)).toBe(true);
  });

  it('falls back to the ROM when the stub never greets', async () => {
    const { board, bridge } = await ptyBoard({ chip });
    const brokenStub: StubSource = async (c) => ({ ...(await loadPackagedStub(c)), entry: 0x40000000 });
    const { session, warnings } = await connect(bridge, { stubSource: brokenStub });
    expect(session.stubState).toBe('failed');
    expect(warnings.join('\n')).toMatch(/did not start/);
    const data = pattern(8_000, 35);
    await writeFlash(session, [{ offset: 0x1000 * 16, data }]);
    expect(same(board.readFlash(0x10000, data.length), data)).toBe(true);
  });

  it('starts the app without modem lines by asking the stub', async () => {
    const { board, bridge } = await ptyBoard({ chip });
    const { session, warnings } = await connect(bridge);
    expect(await hardReset(session)).toBe('run-user-code');
    expect(warnings.join('\n')).toMatch(/cannot drive RTS/);
    await new Promise((r) => setTimeout(r, 200));
    expect(['running-app', 'boot-failed']).toContain(board.state);
  });

  it('says what to do when the board will not enter download mode', async () => {
    const { bridge } = await ptyBoard({ chip, bootMode: 'run' });
    const error = await connect(bridge, { connectAttempts: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as Error).message).toMatch(/cannot drive DTR\/RTS/);
    expect((error as Error).message).toMatch(/hold BOOT\/FLASH \(GPIO0 low\) and tap RESET\/EN|hold BOOT\/FLASH \(GPIO0 low\), tap RESET\/EN/);
  });

  it('erases the whole flash, changes baud, and refuses bad requests before writing', async () => {
    const { board, bridge } = await ptyBoard({ chip, flashSize: 1 << 20, jedecId: 0xe04014 });
    board.writeFlashRaw(0, pattern(0x10000, 36));
    const { session } = await connect(bridge, { baudRate: 115200 });
    expect(await session.flashInfo()).toMatchObject({ vendor: 'Berg Micro', model: 'BG25Q80A', sizeBytes: 1 << 20 });
    await changeBaud(session, 921600);
    expect(session.baudRate).toBe(921600);
    await eraseFlash(session);
    expect(board.readFlash(0, 1 << 20).every((v) => v === 0xff)).toBe(true);
    await expect(writeFlash(session, [{ offset: 0x800, data: pattern(10) }])).rejects.toThrow(InvalidRequestError);
    await expect(writeFlash(session, [{ offset: 0, data: pattern(0x2000) }, { offset: 0x1000, data: pattern(10) }])).rejects.toThrow(/overlaps/);
    await expect(writeFlash(session, [{ offset: 0xf0000, data: pattern(0x20000) }])).rejects.toThrow(/does not fit/);
    expect(board.readFlash(0, 1 << 20).every((v) => v === 0xff)).toBe(true);
  });

  it('reports each vendor\'s flash id', async () => {
    for (const [jedecId, vendor] of [
      [0x204016, 'XMC'],
      [0xc22016, 'Macronix'],
      [0x856016, 'Puya'],
    ] as const) {
      const { bridge } = await ptyBoard({ chip, jedecId });
      const { session } = await connect(bridge, { useStub: false, baudRate: 115200 });
      expect((await session.flashInfo())?.vendor).toBe(vendor);
      await session.close('no-reset');
    }
  });

  it('serves the kiln CLI', async () => {
    const { bridge } = await ptyBoard({ chip });
    let out = '';
    let err = '';
    const code = await runCli(['--port', bridge.hostPath, '--after', 'no-reset', 'flash-id'], {
      stdout: { write: (t) => (out += t), isTTY: false },
      stderr: { write: (t) => (err += t) },
      sessionOptions: { connectAttempts: 3 },
    });
    expect(code).toBe(0);
    expect(out).toMatch(/Manufacturer: ef/);
    expect(err).toMatch(/Warning: .*no auto-reset/);
  });
});
