import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KilnServices } from '../../../../electron/ipc/kiln-services';
import type { StorageProbe } from '../../../../electron/services/backups/library';
import { createVirtualBoard, type VirtualBoard, type VirtualBoardOptions } from '../../../../electron/virtual-board';
import { buildDemoFirmware } from '../../../../electron/virtual-board/demo-firmware';
import type { BackupEntry, BoardRecord, RestoreCheck } from '../../../../shared/types/backups';
import type { DeviceSession } from '../../../../shared/types/device';
import type { JobSummary } from '../../../../shared/types/jobs';
import { servicesRig, type ServicesRig } from './services-rig';

/**
 * Backups end to end below the UI: router → backup service → device sessions → engine → virtual
 * board, and the library folder on disk.
 */
const MB = 1024 * 1024;
let rig: ServicesRig | null = null;
let dataDir: string;
let services: KilnServices;
let boards: Map<string, VirtualBoard>;
let call: ServicesRig['call'];

async function start(specs: Record<string, Partial<VirtualBoardOptions> & { chip: VirtualBoardOptions['chip'] }>, storage?: StorageProbe): Promise<void> {
  boards = new Map();
  for (const [path, spec] of Object.entries(specs)) boards.set(path, await createVirtualBoard({ linkModel: false, ...spec }));
  rig = await servicesRig('backups', boards, storage ? { backupStorage: storage } : {});
  ({ dataDir, services, call } = rig);
}

afterEach(async () => {
  await rig?.close();
  rig = null;
});

async function refusal(name: string, args: unknown): Promise<{ code: string; message: string }> {
  const response = await services.router.handle(name, args, { client: 'test' });
  if (response.ok) throw new Error(`${name} was expected to fail`);
  return response.error;
}

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
const libraryFiles = async () => (existsSync(join(dataDir, 'backups')) ? (await readdir(join(dataDir, 'backups'))).sort() : []);

async function backUp(session: DeviceSession, args: Record<string, unknown> = {}): Promise<JobSummary> {
  const job = await call<JobSummary>('backups.create', { sessionId: session.id, ...args });
  return services.jobs.settled(job.id);
}

describe('backup → erase → restore', () => {
  it('restores an ESP32 byte-identical (MD5 of the whole flash) and records the board', async () => {
    await start({ 'virtual:esp32:a': { chip: 'esp32', flashSize: 1 * MB, mac: '24:0a:c4:00:00:01' } });
    const board = boards.get('virtual:esp32:a')!;
    const firmware = buildDemoFirmware('esp32');
    board.writeFlashRaw(firmware.offset, firmware.data);
    board.writeFlashRaw(0x80000, new TextEncoder().encode('my settings: wifi=classroom'));
    const original = board.readFlash(0, 1 * MB);

    const session = await call<DeviceSession>('device.connect', { port: 'virtual:esp32:a' });
    const done = await backUp(session, { label: 'Factory image' });
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');

    const [entry, ...others] = await call<BackupEntry[]>('backups.list', {});
    expect(others).toHaveLength(0);
    expect(entry).toMatchObject({
      label: 'Factory image',
      chip: 'esp32',
      mac: '24:0a:c4:00:00:01',
      region: { offset: 0, size: 1 * MB },
      flashSizeBytes: 1 * MB,
      md5: md5(original),
      sha256: createHash('sha256').update(original).digest('hex'),
      firmware: { kind: 'micropython', version: 'v1.24.1' },
      origin: 'device',
    });
    expect(entry!.flash).toMatchObject({ vendor: 'Winbond' });
    expect(md5(await readFile(join(dataDir, 'backups', `${entry!.id}.bin`)))).toBe(md5(original));

    const erase = await call<JobSummary>('device.erase', { sessionId: session.id });
    expect((await services.jobs.settled(erase.id)).status).toBe('succeeded');
    expect(md5(board.readFlash(0, 1 * MB))).not.toBe(md5(original));

    const check = await call<RestoreCheck>('backups.checkRestore', { id: entry!.id, sessionId: session.id });
    expect(check).toEqual({ ok: true, errors: [], warnings: [], otherBoard: false });
    const restore = await call<JobSummary>('backups.restore', { id: entry!.id, sessionId: session.id, confirmed: true });
    expect(restore.kind).toBe('restore');
    const restored = await services.jobs.settled(restore.id);
    expect(restored.error).toBeNull();
    expect(md5(board.readFlash(0, 1 * MB))).toBe(md5(original));

    const [record] = await call<BoardRecord[]>('boards.history', {});
    expect(record).toMatchObject({
      mac: '24:0a:c4:00:00:01',
      chip: 'esp32',
      lastBackup: { backupId: entry!.id, label: 'Factory image' },
      lastFlash: { what: 'backup "Factory image"' },
    });
  });

  it('backs up an ESP32 through its ROM alone (no stub), byte-identical', async () => {
    await start({ 'virtual:esp32:rom': { chip: 'esp32', flashSize: 1 * MB } });
    const board = boards.get('virtual:esp32:rom')!;
    const firmware = buildDemoFirmware('esp32');
    board.writeFlashRaw(firmware.offset, firmware.data);
    board.writeFlashRaw(0xf0000, Uint8Array.from({ length: 0x10000 }, (_, i) => (i * 13) & 0xff));
    const session = await call<DeviceSession>('device.connect', { port: 'virtual:esp32:rom', useStub: false });
    expect(session.info.usingStub).toBe(false);
    const done = await backUp(session);
    expect(done.error).toBeNull();
    const [entry] = await call<BackupEntry[]>('backups.list', { query: 'esp32' });
    expect(entry!.md5).toBe(md5(board.readFlash(0, 1 * MB)));
    expect(entry!.firmware.kind).toBe('micropython');
  });

  it('says why the ESP8266 ROM cannot back up, and leaves nothing behind', async () => {
    await start({ 'virtual:esp8266:rom': { chip: 'esp8266', flashSize: 1 * MB } });
    const session = await call<DeviceSession>('device.connect', { port: 'virtual:esp8266:rom', useStub: false });
    const done = await backUp(session);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(/ESP8266 ROM loader cannot read flash.*flasher stub/);
    expect(await libraryFiles()).toEqual([]);
  });
});

describe('a backup that does not finish', () => {
  it('cancelled: no entry, no file that looks complete', async () => {
    await start({ 'virtual:esp32:c': { chip: 'esp32', flashSize: 4 * MB, linkModel: {} } });
    const session = await call<DeviceSession>('device.connect', { port: 'virtual:esp32:c', baud: 921600 });
    const job = await call<JobSummary>('backups.create', { sessionId: session.id });
    // Wait for the read to be under way, then cancel.
    for (let i = 0; i < 200 && !((services.jobs.get(job.id).progress?.done ?? 0) > 0); i++) await new Promise((r) => setTimeout(r, 25));
    expect(services.jobs.get(job.id).progress?.stage).toBe('reading');
    const cancelled = await call<JobSummary>('jobs.cancel', { jobId: job.id });
    expect(cancelled.status).toBe('cancelled');
    expect(await call<BackupEntry[]>('backups.list', {})).toEqual([]);
    expect((await libraryFiles()).filter((name) => name.endsWith('.json') || name.endsWith('.bin'))).toEqual([]);
    // The board is usable again at once.
    expect((await call<DeviceSession[]>('device.list', {}))[0]?.status).toBe('ready');
  });

  it('unplugged half way: the job says so, nothing half-written', async () => {
    await start({ 'virtual:esp32:u': { chip: 'esp32', flashSize: 1 * MB } });
    const board = boards.get('virtual:esp32:u')!;
    const session = await call<DeviceSession>('device.connect', { port: 'virtual:esp32:u' });
    // The stub streams 4 KiB packets and the host acknowledges each with 4 bytes (+ SLIP framing):
    // the cable comes out after about 100 acknowledgements, some 400 KiB into the read.
    board.setFaults({ unplugAtByte: 600 });
    const done = await backUp(session);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('device');
    expect(done.error?.message).toMatch(/unplugged|disconnected|closed|lost|vanished/i);
    expect(await libraryFiles()).toEqual([]);
    expect((await call<DeviceSession[]>('device.list', {}))[0]?.status).toBe('lost');
  });
});

describe('restore guards', () => {
  it('refuses another chip and a flash too small; asks before restoring another board’s backup', async () => {
    await start({
      'virtual:esp8266:g': { chip: 'esp8266', flashSize: 1 * MB },
      'virtual:esp32:small': { chip: 'esp32', flashSize: 1 * MB, mac: '24:0a:c4:00:00:02' },
      'virtual:esp32:other': { chip: 'esp32', flashSize: 1 * MB, mac: '24:0a:c4:00:00:03' },
    });
    const esp8266 = await call<DeviceSession>('device.connect', { port: 'virtual:esp8266:g' });
    const small = await call<DeviceSession>('device.connect', { port: 'virtual:esp32:small' });
    const other = await call<DeviceSession>('device.connect', { port: 'virtual:esp32:other' });

    expect((await backUp(esp8266, { label: 'nodemcu' })).error).toBeNull();
    const [fromEsp8266] = await call<BackupEntry[]>('backups.list', { query: 'nodemcu' });
    const before = boards.get('virtual:esp32:small')!.readFlash(0, 1 * MB);
    const chipCheck = await call<RestoreCheck>('backups.checkRestore', { id: fromEsp8266!.id, sessionId: small.id });
    expect(chipCheck.ok).toBe(false);
    expect(chipCheck.errors.join(' ')).toMatch(/backup is of an ESP8266; the connected board is an ESP32/);
    const chipRefusal = await refusal('backups.restore', { id: fromEsp8266!.id, sessionId: small.id, confirmed: true });
    expect(chipRefusal.message).toMatch(/will not restore "nodemcu".*ESP8266/);

    // A 2 MB ESP32 image, imported by hand, does not fit a 1 MB flash.
    const imagePath = join(dataDir, 'big.bin');
    await writeFile(imagePath, new Uint8Array(2 * MB).fill(0x5a));
    const big = await call<BackupEntry>('backups.import', { path: imagePath, label: 'big one', chip: 'esp32' });
    expect(big).toMatchObject({ origin: 'imported', mac: null, region: { offset: 0, size: 2 * MB } });
    const sizeRefusal = await refusal('backups.restore', { id: big.id, sessionId: small.id, confirmed: true });
    expect(sizeRefusal.message).toMatch(/needs 2\.0 MiB of flash.*has 1\.0 MiB/);
    expect(md5(boards.get('virtual:esp32:small')!.readFlash(0, 1 * MB))).toBe(md5(before));

    // Another board's backup: a warning, and the request must say so.
    expect((await backUp(other, { label: 'other board' })).error).toBeNull();
    const [fromOther] = await call<BackupEntry[]>('backups.list', { query: '24:0a:c4:00:00:03' });
    const macCheck = await call<RestoreCheck>('backups.checkRestore', { id: fromOther!.id, sessionId: small.id });
    expect(macCheck).toMatchObject({ ok: true, otherBoard: true });
    expect(macCheck.warnings[0]).toMatch(/another board \(24:0a:c4:00:00:03\)/);
    expect((await refusal('backups.restore', { id: fromOther!.id, sessionId: small.id, confirmed: true })).code).toBe('bad-request');
    expect((await refusal('backups.restore', { id: fromOther!.id, sessionId: small.id })).code).toBe('bad-request'); // not confirmed
    const allowed = await call<JobSummary>('backups.restore', { id: fromOther!.id, sessionId: small.id, confirmed: true, allowOtherBoard: true });
    expect((await services.jobs.settled(allowed.id)).error).toBeNull();
    expect(md5(boards.get('virtual:esp32:small')!.readFlash(0, 1 * MB))).toBe(fromOther!.md5);
  });
});

describe('the library', () => {
  it('renames, searches, exports (never over a file) and deletes', async () => {
    await start({ 'virtual:esp32:l': { chip: 'esp32', flashSize: 1 * MB, mac: '24:0a:c4:00:00:04' } });
    const session = await call<DeviceSession>('device.connect', { port: 'virtual:esp32:l' });
    await backUp(session, { label: 'first' });
    const [entry] = await call<BackupEntry[]>('backups.list', {});
    const renamed = await call<BackupEntry>('backups.rename', { id: entry!.id, label: 'Before MicroPython' });
    expect(renamed.label).toBe('Before MicroPython');
    expect((await call<BackupEntry[]>('backups.list', { query: 'micropython' })).map((e) => e.id)).toEqual([entry!.id]);
    expect(await call<BackupEntry[]>('backups.list', { query: 'esp8266' })).toEqual([]);

    const folder = await mkdtemp(join(tmpdir(), 'kiln-export-'));
    try {
      const first = await call<{ imagePath: string; metadataPath: string }>('backups.export', { id: entry!.id, folder });
      const second = await call<{ imagePath: string; metadataPath: string }>('backups.export', { id: entry!.id, folder });
      expect(second.imagePath).not.toBe(first.imagePath);
      expect(md5(await readFile(first.imagePath))).toBe(entry!.md5);
      expect(JSON.parse(await readFile(first.metadataPath, 'utf8'))).toMatchObject({ id: entry!.id, label: 'Before MicroPython' });
      const missing = await refusal('backups.export', { id: entry!.id, folder: join(folder, 'nope') });
      expect(missing.message).toMatch(/does not exist/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
    await call('backups.delete', { id: entry!.id });
    expect(await call<BackupEntry[]>('backups.list', {})).toEqual([]);
    expect(await libraryFiles()).toEqual([]);
  });
});

describe('a backups folder that cannot take the backup', () => {
  const failing = (code: string): StorageProbe => ({
    freeBytes: async () => 10 * 1024 * 1024 * 1024,
    probeWrite: async () => {
      throw Object.assign(new Error(`${code}: simulated`), { code });
    },
  });

  it('read-only: a clear error before anything is read', async () => {
    await start({ 'virtual:esp32:ro': { chip: 'esp32', flashSize: 1 * MB } }, failing('EROFS'));
    const session = await call<DeviceSession>('device.connect', { port: 'virtual:esp32:ro' });
    const done = await backUp(session);
    expect(done.error).toMatchObject({ code: 'io', message: expect.stringMatching(/backups is read-only/) });
    expect(done.error?.hint).toMatch(/--data-dir/);
    expect(done.progress?.stage).not.toBe('reading');
  });

  it('full: a clear error that says how much is needed', async () => {
    await start({ 'virtual:esp32:full': { chip: 'esp32', flashSize: 1 * MB } }, { freeBytes: async () => 300 * 1024, probeWrite: async () => undefined });
    const session = await call<DeviceSession>('device.connect', { port: 'virtual:esp32:full' });
    const done = await backUp(session);
    expect(done.error).toMatchObject({ code: 'io', message: expect.stringMatching(/is full \(1\.0 MiB needed\)/) });
    expect(await libraryFiles()).toEqual([]);
  });
});
