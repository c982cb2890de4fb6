/** `kiln backup …` in process against a virtual board, with its own data folder. */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBackupCommand } from '../../../../electron/cli/backup-verbs';
import { boardFor, closeVirtualPorts } from '../../../../electron/virtual-board/access/virtual-ports';
import { buildDemoFirmware } from '../../../../electron/virtual-board/demo-firmware';
import type { VirtualBoard } from '../../../../electron/virtual-board';
import { runKiln } from './run-kiln';

const PORT = 'virtual:esp32:cli-backup';
const MB = 1024 * 1024;
let dir: string;
let dataDir: string;
let board: VirtualBoard;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kiln-cli-backup-'));
  dataDir = path.join(dir, 'data');
  // Created here first, so the CLI opens this instant-link 1 MB board.
  board = await boardFor(PORT, { linkModel: false, flashSize: 1 * MB, mac: '24:0a:c4:00:00:42' });
  const firmware = buildDemoFirmware('esp32');
  board.writeFlashRaw(firmware.offset, firmware.data);
});
afterAll(async () => {
  await closeVirtualPorts();
  rmSync(dir, { recursive: true, force: true });
});

async function kiln(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return runKiln(argv);
}

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

describe('kiln backup', () => {
  it('is recognised wherever the verb stands, and not as an option value', () => {
    expect(isBackupCommand(['backup', 'list'])).toBe(true);
    expect(isBackupCommand(['-p', 'virtual:esp32', 'backup', 'create'])).toBe(true);
    expect(isBackupCommand(['--label', 'backup', 'write-flash'])).toBe(false);
    expect(isBackupCommand(['write-flash', '0x1000', 'x.bin'])).toBe(false);
  });

  it('create → list → export → erase → restore (refused without --yes) → byte-identical', async () => {
    const created = await kiln('backup', 'create', '-p', PORT, '--label', 'factory', '--data-dir', dataDir);
    // Read after the backup: plugging the board in powers it up into MicroPython, which makes its
    // filesystem on first boot (as a real board does), so the flash changed before Kiln reset it
    // into the loader. The backup must match what the board held when it was read.
    const original = board.readFlash(0, 1 * MB);
    expect(created.err).toBe('');
    expect(created.code).toBe(0);
    expect(created.out).toMatch(new RegExp(`Saved backup bk-\\S+ "factory": 1\\.0 MiB, MD5 ${md5(original)} checked by the board`));
    expect(created.out).toMatch(/MicroPython v1\.24\.1/);
    const id = /Saved backup (bk-\S+)/.exec(created.out)![1]!;

    const listed = await kiln('backup', 'list', '--data-dir', dataDir);
    expect(listed.out).toMatch(new RegExp(`^${id} .* ESP32 {2}24:0a:c4:00:00:42 {2}1\\.0 MiB at 0x00000000 .*"factory"`, 'm'));
    const json = JSON.parse((await kiln('backup', 'list', '24:0a:c4', '--json', '--data-dir', dataDir)).out);
    expect(json).toHaveLength(1);
    expect((await kiln('backup', 'list', 'esp8266', '--data-dir', dataDir)).out).toMatch(/No backups match "esp8266"/);

    const exportDir = path.join(dir, 'export');
    rmSync(exportDir, { recursive: true, force: true });
    mkdirSync(exportDir);
    const exported = await kiln('backup', 'export', id, exportDir, '--data-dir', dataDir);
    expect(exported.code).toBe(0);
    const bin = readdirSync(exportDir).find((name) => name.endsWith('.bin'))!;
    expect(md5(readFileSync(path.join(exportDir, bin)))).toBe(md5(original));

    expect((await kiln('-p', PORT, 'erase-flash')).code).toBe(0);
    expect(md5(board.readFlash(0, 1 * MB))).not.toBe(md5(original));

    const unconfirmed = await kiln('backup', 'restore', id, '-p', PORT, '--data-dir', dataDir);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.out).toMatch(/Add --yes to go ahead/);
    expect(board.readFlash(0, 4096).every((byte) => byte === 0xff)).toBe(true);

    const restored = await kiln('backup', 'restore', id, '-p', PORT, '--yes', '--data-dir', dataDir);
    expect(restored.err).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.out).toMatch(/Restored "factory" and verified it/);
    expect(md5(board.readFlash(0, 1 * MB))).toBe(md5(original));
  });

  it('explains wrong command lines and unknown backups without a stack trace', async () => {
    const noAction = await kiln('backup', '--data-dir', dataDir);
    expect(noAction.code).toBe(2);
    expect(noAction.err).toMatch(/Say what to do: kiln backup create, list, restore or export/);
    const noPort = await kiln('backup', 'create', '--data-dir', dataDir);
    expect(noPort.err).toMatch(/needs the board's port/);
    const halfRegion = await kiln('backup', 'create', '-p', PORT, '--offset', '0x1000', '--data-dir', dataDir);
    expect(halfRegion.err).toMatch(/--offset and --size together/);
    const unknown = await kiln('backup', 'restore', 'bk-20200101-000000-abcdef', '-p', PORT, '--yes', '--data-dir', dataDir);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/not in the library/);
    expect(unknown.err).not.toMatch(/\n\s+at /);
  });
});
