import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createVirtualBoard } from '../../../../../electron/virtual-board/index';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-flashfile-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('flash file persistence', () => {
  it('saves flash contents on close (atomically) and loads them into the next board', async () => {
    const file = join(dir, 'board.bin');
    const board = await createVirtualBoard({ chip: 'esp32', flashSize: 1024 * 1024, flashFile: file, linkModel: false });
    board.writeFlashRaw(0x1234, Uint8Array.from([1, 2, 3]));
    await board.close();
    const saved = readFileSync(file);
    expect(saved.length).toBe(1024 * 1024);
    expect(Array.from(saved.subarray(0x1233, 0x1238))).toEqual([0xff, 1, 2, 3, 0xff]);
    expect(readdirSync(dir)).toEqual(['board.bin']); // no temporary file left behind

    const next = await createVirtualBoard({ chip: 'esp32', flashSize: 1024 * 1024, flashFile: file, linkModel: false });
    expect(Array.from(next.readFlash(0x1234, 3))).toEqual([1, 2, 3]);
    await next.close();
  });

  it('saves by itself shortly after changes', async () => {
    const file = join(dir, 'auto.bin');
    const board = await createVirtualBoard({ chip: 'esp8266', flashSize: 1024 * 1024, flashFile: file, linkModel: false });
    board.writeFlashRaw(0, Uint8Array.from([0x42]));
    for (let i = 0; i < 50 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(file)[0]).toBe(0x42);
    await board.close();
  });

  it('refuses a file of another size, saying what to do', async () => {
    const file = join(dir, 'small.bin');
    writeFileSync(file, new Uint8Array(1000));
    await expect(createVirtualBoard({ chip: 'esp32', flashSize: 1024 * 1024, flashFile: file })).rejects.toThrow(/matching flash size|delete the file/);
  });
});
