/**
 * Connecting in the situations real desks produce: a stub left running, a stub that never
 * starts, a board that will not enter download mode, an unplugged cable, several boards at once,
 * flash chips from different vendors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LinkClosedError } from '../../../../electron/serial/link';
import { ConnectError } from '../../../../electron/esp/errors';
import { loadPackagedStub, type StubSource } from '../../../../electron/esp/stub';
import { detect, readFlash, writeFlash } from '../../../../electron/esp/operations';
import { openSession } from '../../../../electron/esp/session';
import { createVirtualBoard, type VirtualBoard } from '../../../../electron/virtual-board';
import { closeBoards, pattern, rig, same } from './helpers';

afterEach(closeBoards);

const boards: VirtualBoard[] = [];
afterEach(async () => {
  for (const board of boards.splice(0)) await board.close();
});

async function board(options: Parameters<typeof createVirtualBoard>[0]): Promise<VirtualBoard> {
  const created = await createVirtualBoard({ linkModel: false, ...options });
  boards.push(created);
  return created;
}

describe.each(['esp8266', 'esp32'] as const)('%s sessions', (chip) => {
  it('recognises a stub still running from an earlier session and does not upload it again', async () => {
    const b = await board({ chip });
    const first = await openSession(b.connect(), { connectAttempts: 3 });
    expect(first.stubState).toBe('uploaded');
    await first.close('no-reset');
    expect(b.state).toBe('download-stub');

    const before = b.stats.hostToBoard;
    const second = await openSession(b.connect(), { before: 'no-reset', connectAttempts: 2 });
    expect(second.stubState).toBe('already-running');
    expect(second.usingStub).toBe(true);
    // Far less than the stub's ~10 KB went to the board: it was not uploaded again.
    expect(b.stats.hostToBoard - before).toBeLessThan(2000);
    const data = pattern(40_000, 3);
    await writeFlash(second, [{ offset: 0x8000, data }]);
    expect(same(await readFlash(second, 0x8000, data.length), data)).toBe(true);
    await second.close('no-reset');
  });

  it('falls back to the ROM loader when the stub never says OHAI', async () => {
    // A "stub" whose entry point lies outside the uploaded code: the chip crashes instead of greeting.
    const brokenStub: StubSource = async (c) => ({ ...(await loadPackagedStub(c)), entry: 0x40000000 });
    const { board: b, session, warnings } = await rig(chip, { stubSource: brokenStub });
    expect(session.stubState).toBe('failed');
    expect(session.usingStub).toBe(false);
    expect(b.state).toBe('download-rom');
    expect(warnings.join('\n')).toMatch(/flasher stub did not start.*ROM loader/);
    const data = pattern(20_000, 4);
    await writeFlash(session, [{ offset: 0x10000, data }]);
    expect(same(b.readFlash(0x10000, data.length), data)).toBe(true);
    expect((await detect(session)).usingStub).toBe(false);
  });

  it('explains what to do when the board refuses download mode', async () => {
    const b = await board({ chip, faults: { refuseDownloadMode: true } });
    const error = await openSession(b.connect(), { connectAttempts: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    const message = (error as Error).message;
    expect(message).toMatch(/hold BOOT\/FLASH \(GPIO0 low\)/);
    expect(message).toMatch(/tap RESET\/EN/);
    expect(message).toMatch(/GPIO15/);
    expect(message).toMatch(/CP210x or CH340/);
    if (chip === 'esp32') expect(message).toMatch(/started its program instead of the bootloader \(boot mode 0x13/);
    else expect((error as ConnectError).reason).not.toBe('no-data');
  });

  it('connects without modem lines when the board is already in download mode, warning once', async () => {
    const b = await board({ chip, modemLines: false, bootMode: 'download' });
    const warnings: string[] = [];
    const session = await openSession(b.connect(), { connectAttempts: 2, onWarning: (w) => warnings.push(w) });
    expect(warnings.filter((w) => /no auto-reset/.test(w))).toHaveLength(1);
    expect(session.modemLines).toBe(false);
    expect((await detect(session)).chip).toBe(chip);
  });

  it('reports an unplugged cable mid-write as a closed link', async () => {
    const { board: b, session } = await rig(chip);
    const closed = new Promise<string>((resolve) => session.link.onClose(resolve));
    b.setFaults({ unplugAtByte: 30_000 });
    const error = await writeFlash(session, [{ offset: 0x10000, data: pattern(200_000, 6) }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LinkClosedError);
    expect((error as Error).message).toMatch(/USB cable/);
    expect(await closed).toMatch(/unplugged/);
    expect(b.state).toBe('off');
  });

  it.each([
    ['corrupted', { corruptAtByte: 20_000 }],
    ['lost', { dropAtByte: 30_000 }],
  ] as const)('resends a data block whose bytes were %s on the wire', async (_what, fault) => {
    const { board: b, session } = await rig(chip);
    const data = pattern(120_000, 8);
    await session.flashInfo();
    b.setFaults(fault);
    const before = b.stats.hostToBoard;
    const result = await writeFlash(session, [{ offset: 0x10000, data }]);
    b.setFaults(undefined);
    expect(result.regions[0]!.verified).toBe(true);
    expect(same(b.readFlash(0x10000, data.length), data)).toBe(true);
    // The damaged 16 KiB block went twice.
    expect(b.stats.hostToBoard - before).toBeGreaterThan(result.regions[0]!.sentBytes + 0x4000);
  });
});

describe('flash chips', () => {
  it.each([
    [0xef4016, 4, 'Winbond', 'W25Q32'],
    [0xc84016, 4, 'GigaDevice', 'GD25Q32'],
    [0x204016, 4, 'XMC', 'XM25QH32B'],
    [0xe04014, 1, 'Berg Micro', 'BG25Q80A'],
    [0xc22018, 16, 'Macronix', 'MX25L12835F'],
    [0x684017, 8, 'Boya', 'BY25Q64'],
    [0x5e4015, 2, 'Zbit', 'ZB25VQ16'],
    [0x774015, 2, 'Unknown (0x77)', null],
  ])('JEDEC 0x%s reads as %s MB', async (jedecId, megabytes, vendor, model) => {
    for (const chip of ['esp8266', 'esp32'] as const) {
      const { session } = await rig(chip, { useStub: chip === 'esp32' }, { jedecId, flashSize: megabytes << 20 });
      expect(await session.flashInfo()).toEqual({
        manufacturerId: jedecId >>> 16,
        deviceId: jedecId & 0xffff,
        vendor,
        model,
        sizeBytes: megabytes << 20,
      });
      await closeBoards();
    }
  });

  it('refuses an image larger than a 1 MB ESP-01 flash', async () => {
    const { session } = await rig('esp8266', {}, { jedecId: 0xe04014, flashSize: 1 << 20 });
    await expect(writeFlash(session, [{ offset: 0, data: pattern(0x100001) }])).rejects.toThrow(/does not fit in this board's 1.0 MiB flash/);
  });
});

describe('many boards at once', () => {
  it('flashes four boards in parallel, each with its own data', async () => {
    const rigs = await Promise.all([rig('esp32'), rig('esp8266'), rig('esp32'), rig('esp8266')]);
    const images = rigs.map((_, i) => pattern(100_000 + i * 1000, 20 + i));
    const results = await Promise.all(rigs.map((r, i) => writeFlash(r.session, [{ offset: 0x10000, data: images[i]! }])));
    results.forEach((result, i) => {
      expect(result.regions[0]!.verified).toBe(true);
      expect(same(rigs[i]!.board.readFlash(0x10000, images[i]!.length), images[i]!)).toBe(true);
    });
  });
});
