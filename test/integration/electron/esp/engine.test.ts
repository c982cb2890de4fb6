/**
 * The engine against the virtual board, in process: every operation on ESP8266 and ESP32, through
 * the flasher stub and through the ROM loader alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OperationProgress } from '../../../../shared/types/device';
import { InvalidRequestError, NeedsStubError, OperationAbortedError } from '../../../../electron/esp/errors';
import { buildImage, parseImage } from '../../../../electron/esp/image';
import { changeBaud, detect, eraseFlash, eraseRegion, hardReset, readFlash, verifyFlash, writeFlash } from '../../../../electron/esp/operations';
import { closeBoards, md5, pattern, rig, same } from './helpers';

afterEach(closeBoards);

const MACS = { esp8266: '5c:cf:7f:12:34:56', esp32: '24:0a:c4:ab:cd:ef' } as const;
const CRYSTALS = { esp8266: 26, esp32: 40 } as const;

describe.each([
  ['esp8266', true],
  ['esp8266', false],
  ['esp32', true],
  ['esp32', false],
] as const)('%s, stub %s', (chip, useStub) => {
  const start = (options: Parameters<typeof rig>[1] = {}, board: Parameters<typeof rig>[2] = {}) => rig(chip, { useStub, ...options }, { mac: MACS[chip], ...board });
  /** The ESP8266 ROM has no MD5; everything else verifies. */
  const canVerify = useStub || chip === 'esp32';

  it('detects the chip, MAC, crystal and flash', async () => {
    const { session } = await start();
    expect(session.usingStub).toBe(useStub);
    expect(session.stubState).toBe(useStub ? 'uploaded' : 'not-requested');
    const info = await detect(session);
    expect(info.chip).toBe(chip);
    expect(info.mac).toBe(MACS[chip]);
    expect(info.crystalMHz).toBe(CRYSTALS[chip]);
    expect(info.flash).toMatchObject({ vendor: 'Winbond', sizeBytes: 4 << 20 });
    expect(info.usingStub).toBe(useStub);
    expect(info.description).toMatch(chip === 'esp8266' ? /ESP8266EX|ESP8285/ : /^ESP32-/);
  });

  it('writes, verifies by MD5 and reads back byte-identical', async () => {
    const { board, session, warnings } = await start();
    const a = pattern(150_000, 1);
    const b = pattern(5_000, 2);
    const progress: OperationProgress[] = [];
    const result = await writeFlash(session, [{ offset: 0x10000, data: a }, { offset: 0x40000, data: b }], {}, { onProgress: (p) => progress.push(p) });
    expect(result.regions.map((r) => r.md5)).toEqual([md5(a), md5(b)]);
    expect(result.regions.every((r) => r.verified)).toBe(canVerify);
    expect(result.compressed).toBe(canVerify); // compressed wherever the loader can inflate
    if (!canVerify) expect(warnings.join('\n')).toMatch(/not verified/);
    expect(same(board.readFlash(0x10000, a.length), a)).toBe(true);
    expect(same(board.readFlash(0x40000, b.length), b)).toBe(true);
    const writing = progress.filter((p) => p.stage === 'writing');
    expect(writing.at(-1)).toMatchObject({ done: a.length + b.length, total: a.length + b.length });

    if (useStub || chip === 'esp32') {
      // Through the stub's stream, or 64 bytes per READ_FLASH_SLOW from the ESP32 ROM (checked by its MD5).
      expect(same(await readFlash(session, 0x10000, a.length), a)).toBe(true);
      expect(same(await readFlash(session, 0x40000 + 100, 1000), b.subarray(100, 1100))).toBe(true);
    } else {
      await expect(readFlash(session, 0x10000, 4096)).rejects.toThrow(/ESP8266 ROM loader cannot read flash.*flasher stub/);
    }
    if (canVerify) {
      const verified = await verifyFlash(session, [{ offset: 0x10000, data: a }, { offset: 0x40000, data: pattern(5_000, 3) }]);
      expect(verified.map((v) => v.matches)).toEqual([true, false]);
    } else {
      await expect(verifyFlash(session, [{ offset: 0x10000, data: a }])).rejects.toThrow(NeedsStubError);
    }
  });

  it('writes uncompressed when asked', async () => {
    const { board, session } = await start();
    const data = pattern(20_000, 9);
    const result = await writeFlash(session, [{ offset: 0x20000, data }], { compress: false });
    expect(result.compressed).toBe(false);
    expect(same(board.readFlash(0x20000, data.length), data)).toBe(true);
  });

  it('erases a region to 0xFF and leaves its neighbours alone', async () => {
    const { board, session } = await start();
    board.writeFlashRaw(0x0, new Uint8Array(0x40000).fill(0x00));
    await eraseRegion(session, 0xf000, 0x3000);
    expect(board.readFlash(0xf000, 0x3000).every((v) => v === 0xff)).toBe(true);
    expect(board.readFlash(0xe000, 0x1000).every((v) => v === 0x00)).toBe(true);
    expect(board.readFlash(0x12000, 0x2e000).every((v) => v === 0x00)).toBe(true);
    await expect(eraseRegion(session, 0x1800, 0x1000)).rejects.toThrow(InvalidRequestError);
  });

  it('erases the whole flash', async () => {
    const { board, session } = await start({}, { flashSize: 1 << 20 });
    board.writeFlashRaw(0x0, pattern(0x1000));
    board.writeFlashRaw(0xff000, pattern(0x1000));
    await eraseFlash(session);
    expect(board.readFlash(0, 1 << 20).every((v) => v === 0xff)).toBe(true);
  });

  it('changes baud where the loader can', async () => {
    const { session } = await start();
    if (useStub || chip === 'esp32') {
      await changeBaud(session, 921600);
      expect(session.baudRate).toBe(921600);
      expect((await detect(session)).crystalMHz).toBe(CRYSTALS[chip]);
      const data = pattern(30_000, 5);
      expect((await writeFlash(session, [{ offset: 0x30000, data }])).regions[0]!.verified).toBe(canVerify);
    } else {
      await expect(changeBaud(session, 921600)).rejects.toThrow(/cannot change the baud rate/);
    }
  });

  it('hard-resets into the app', async () => {
    const { board, session } = await start();
    await hardReset(session);
    await new Promise((r) => setTimeout(r, 200));
    expect(['running-app', 'boot-failed']).toContain(board.state);
    await expect(writeFlash(session, [{ offset: 0, data: pattern(16) }])).rejects.toThrow(/Reconnect/);
    await session.reconnect();
    expect(board.state).toMatch(/^download-/);
  });

  it('refuses unaligned, overlapping and oversized images before writing anything', async () => {
    const { board, session } = await start({}, { flashSize: 1 << 20 });
    await session.flashInfo(); // the size check needs it; reading the id writes nothing
    const before = { ...board.stats };
    await expect(writeFlash(session, [{ offset: 0x1001, data: pattern(100) }])).rejects.toThrow(/not a multiple of 4096/);
    await expect(writeFlash(session, [{ offset: 0x0, data: pattern(0x2000) }, { offset: 0x1000, data: pattern(10) }])).rejects.toThrow(/overlaps/);
    await expect(writeFlash(session, [{ offset: 0x80000, data: pattern(0x90000) }])).rejects.toThrow(/does not fit/);
    await expect(writeFlash(session, [{ offset: 0x10000, data: pattern(100) }, { offset: 0x100000, data: pattern(10) }])).rejects.toThrow(InvalidRequestError);
    expect(board.stats.hostToBoard).toBe(before.hostToBoard);
    expect(board.readFlash(0, 1 << 20).every((v) => v === 0xff)).toBe(true);
  });

  it('stops a write between blocks when aborted; the same session, and a reconnect, then write fine', async () => {
    const { board, session } = await start();
    const data = pattern(400_000, 11);
    const controller = new AbortController();
    const attempt = writeFlash(session, [{ offset: 0x100000, data }], {}, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.stage === 'writing' && p.done > 0) controller.abort();
      },
    });
    await expect(attempt).rejects.toThrow(OperationAbortedError);
    expect(same(board.readFlash(0x100000, data.length), data)).toBe(false);

    const again = await writeFlash(session, [{ offset: 0x100000, data }]);
    expect(again.regions[0]!.verified).toBe(canVerify);
    expect(same(board.readFlash(0x100000, data.length), data)).toBe(true);

    const second = new AbortController();
    second.abort();
    await expect(writeFlash(session, [{ offset: 0x200000, data }], {}, { signal: second.signal })).rejects.toThrow(OperationAbortedError);
    await session.reconnect();
    const other = pattern(50_000, 12);
    await writeFlash(session, [{ offset: 0x200000, data: other }]);
    expect(same(board.readFlash(0x200000, other.length), other)).toBe(true);
  });

  it('patches the image header only for the settings the user chose', async () => {
    const { board, session } = await start();
    const offset = chip === 'esp8266' ? 0x0 : 0x1000;
    const image = buildImage({
      chip,
      entry: chip === 'esp8266' ? 0x40100004 : 0x40080004,
      segments: [{ address: chip === 'esp8266' ? 0x40100000 : 0x40080000, data: pattern(3000, 4) }],
      flashMode: 'qio',
      flashSize: '1MB',
      flashFreq: '40m',
    });
    await writeFlash(session, [{ offset, data: image }]);
    expect(same(board.readFlash(offset, image.length), image)).toBe(true);

    await writeFlash(session, [{ offset, data: image }], { flashSize: 'detect', flashMode: 'dio' });
    const patched = parseImage(board.readFlash(offset, image.length + 64), { chip });
    expect(patched.flashSize).toBe('4MB');
    expect(patched.flashMode).toBe('dio');
    expect(patched.flashFreq).toBe('40m');
    if (chip === 'esp32') expect(patched.sha256?.valid).toBe(true);

    // An image elsewhere is data: never patched.
    await writeFlash(session, [{ offset: 0x20000, data: image }], { flashSize: 'detect', flashMode: 'dio' });
    expect(same(board.readFlash(0x20000, image.length), image)).toBe(true);
  });
});

describe.each(['esp32c3', 'esp32s2', 'esp32s3'] as const)('%s', (chip) => {
  it.each([true, false])('is detected and flashed (stub %s)', async (useStub) => {
    const { board, session } = await rig(chip, { useStub, baudRate: 460800 });
    const info = await detect(session);
    expect(info.chip).toBe(chip);
    expect(info.crystalMHz).toBe(40);
    expect(info.description).toMatch(chip === 'esp32c3' ? /^ESP32-C3/ : chip === 'esp32s2' ? /^ESP32-S2/ : /^ESP32-S3/);
    const data = pattern(60_000, 40);
    const result = await writeFlash(session, [{ offset: 0x10000, data }]);
    expect(result.regions[0]!.verified).toBe(true);
    expect(same(board.readFlash(0x10000, data.length), data)).toBe(true);
  });
});

describe('reading', () => {
  it.each(['esp8266', 'esp32'] as const)('%s: an aborted read leaves the stub ready for the next command', async (chip) => {
    const { board, session } = await rig(chip);
    const data = pattern(256 * 1024, 41);
    board.writeFlashRaw(0x100000, data);
    const controller = new AbortController();
    const attempt = readFlash(session, 0x100000, data.length, {
      signal: controller.signal,
      onProgress: (p) => p.stage === 'reading' && p.done >= 64 * 1024 && controller.abort(),
    });
    await expect(attempt).rejects.toThrow(OperationAbortedError);
    expect(same(await readFlash(session, 0x100000, data.length), data)).toBe(true);
    expect((await detect(session)).chip).toBe(chip);
  });
});

describe('reading through the ESP32 ROM alone (READ_FLASH_SLOW)', () => {
  it('reads a region byte-identical at a raised baud, reporting progress to the last byte', async () => {
    const { board, session } = await rig('esp32', { useStub: false, baudRate: 921600 });
    expect(session.usingStub).toBe(false);
    const data = pattern(64 * 1024 + 100, 42);
    board.writeFlashRaw(0x3000, data);
    const progress: OperationProgress[] = [];
    const read = await readFlash(session, 0x3000, data.length, { onProgress: (p) => progress.push(p) });
    expect(md5(read)).toBe(md5(data));
    expect(progress.filter((p) => p.stage === 'reading').at(-1)).toMatchObject({ done: data.length, total: data.length });
    expect(progress.some((p) => p.stage === 'verifying')).toBe(true);
  });

  // 18 bytes per framed request: byte 200 is the opcode of the 12th, byte 210 its address word.
  it.each([200, 210])('asks again for a piece whose request lost byte %i on the wire', async (dropAtByte) => {
    const { board, session } = await rig('esp32', { useStub: false });
    const data = pattern(4096, 43);
    board.writeFlashRaw(0x5000, data);
    await session.flashSize(); // the flash id is read once, before the faults start counting
    // A few requests in: one byte of a READ_FLASH_SLOW request never reaches the board.
    board.setFaults({ dropAtByte });
    expect(md5(await readFlash(session, 0x5000, data.length))).toBe(md5(data));
  });

  it('stops when aborted and the ROM answers the next command', async () => {
    const { board, session } = await rig('esp32', { useStub: false });
    const data = pattern(16 * 1024, 44);
    board.writeFlashRaw(0x10000, data);
    const controller = new AbortController();
    const attempt = readFlash(session, 0x10000, data.length, {
      signal: controller.signal,
      onProgress: (p) => p.stage === 'reading' && p.done >= 4096 && controller.abort(),
    });
    await expect(attempt).rejects.toThrow(OperationAbortedError);
    expect(md5(await readFlash(session, 0x10000, 1024))).toBe(md5(data.subarray(0, 1024)));
  });
});
