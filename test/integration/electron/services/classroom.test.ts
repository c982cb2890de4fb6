/**
 * Classroom mode through the app's services (createKilnServices, the router, the event bus) with
 * Demo boards from a chosen set: boards that appear over time, one unplugged mid-write. The
 * boards' flash is read back afterwards, so "done" means the image is on the board.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKilnServices, type KilnServices } from '../../../../electron/ipc/kiln-services';
import { demoBoardSet, parseDemoBoards, type DemoBoardSpec } from '../../../../electron/services/demo-boards';
import { boardFor, closeVirtualPorts, setVirtualBoardDefaults } from '../../../../electron/virtual-board/access/virtual-ports';
import { makeFirmware } from '../../../fixtures/firmware/fake-micropython';
import { patchImageHeader } from '../../../../electron/esp/image';
import type { WireResponse } from '../../../../shared/contract/api';
import type { ClassroomHistoryRun, ClassroomState } from '../../../../shared/types/classroom';
import type { ClassroomEvent } from '../../../../electron/services/classroom';

const IMAGE_BYTES = 96 * 1024;
let dataDir: string;
let services: KilnServices | null = null;
let firmwarePath: string;
let image: Uint8Array;
let events: ClassroomEvent[];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kiln-classroom-'));
  image = makeFirmware('esp32', IMAGE_BYTES, 7);
  firmwarePath = join(dataDir, 'class-esp32.bin');
  await writeFile(firmwarePath, image);
  // Untimed boards: the test is about the station's logic, not the wire.
  setVirtualBoardDefaults({ linkModel: false });
  events = [];
});

afterEach(async () => {
  await services?.dispose();
  services = null;
  await closeVirtualPorts();
  setVirtualBoardDefaults({});
  await rm(dataDir, { recursive: true, force: true });
});

async function start(specs: DemoBoardSpec[], options: { demoBoard?: boolean } = {}): Promise<KilnServices> {
  const set = demoBoardSet(parseDemoBoards(specs));
  services = await createKilnServices({
    dataDir,
    mode: 'headless',
    version: 'test',
    listHardwarePorts: async () => [],
    demoPorts: () => set.list(),
    openLink: (path, baud) => set.open(path, baud),
  });
  if (options.demoBoard !== false) await call('settings.update', { demoBoard: true });
  return services;
}

async function call<T>(name: string, args: unknown): Promise<T> {
  const response: WireResponse = await services!.router.handle(name, args, { client: 'test' });
  if (!response.ok) throw new Error(`${name} failed: ${response.error.code}: ${response.error.message}`);
  return response.result as T;
}

async function until(check: (state: ClassroomState) => boolean, what: string, ms = 30_000): Promise<ClassroomState> {
  const deadline = Date.now() + ms;
  for (;;) {
    const state = await call<ClassroomState>('classroom.state', {});
    if (check(state)) return state;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(state.stations.map((s) => [s.port, s.phase, s.message]))}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const recipe = (extra: Record<string, unknown> = {}) => ({ firmware: { kind: 'file', path: firmwarePath }, baud: 460800, ...extra });
const esp32 = (name: string, extra: Partial<DemoBoardSpec> = {}): DemoBoardSpec => ({ chip: 'esp32', name, flashSize: 1024 * 1024, label: `Class ${name}`, ...extra });
const finished = (state: ClassroomState, n: number) => state.stations.length === n && state.stations.every((s) => ['done', 'failed', 'skipped', 'cancelled'].includes(s.phase));

async function flashOf(path: string): Promise<Uint8Array> {
  return (await boardFor(path)).readFlash(0x1000, IMAGE_BYTES);
}

/** What the 1 MB boards hold after the write: the image with its header set to the detected flash size. */
const written = () => patchImageHeader(image, 'esp32', { flashSize: '1MB' });

describe('classroom mode', () => {
  it('writes the boards whose chip matches and skips the others with the reason', async () => {
    await start([esp32('a'), { chip: 'esp8266', name: 'b', label: 'Class b' }, esp32('c', { appearAfterMs: 600 })]);
    services!.classroom.onEvent((event) => events.push(event));
    const started = await call<ClassroomState>('classroom.start', { recipe: recipe() });
    expect(started.run).toMatchObject({ chip: 'esp32', firmwareName: 'class-esp32.bin' });
    const state = await until((s) => finished(s, 3), 'three boards');
    const byPort = Object.fromEntries(state.stations.map((s) => [s.port, s]));
    expect(byPort['virtual:esp32:a']).toMatchObject({ phase: 'done', board: { chip: 'esp32' } });
    expect(byPort['virtual:esp32:c']).toMatchObject({ phase: 'done' });
    expect(byPort['virtual:esp8266:b']).toMatchObject({ phase: 'skipped', message: "This is an ESP8266; the recipe's firmware is for the ESP32. Skipped." });
    // The later board came later: its tile is the last one.
    expect(state.stations.at(-1)?.port).toBe('virtual:esp32:c');
    expect(await flashOf('virtual:esp32:a')).toEqual(written());
    expect(await flashOf('virtual:esp32:c')).toEqual(written());
    expect(state.report.map((row) => [row.port, row.result])).toEqual(
      expect.arrayContaining([
        ['virtual:esp32:a', 'done'],
        ['virtual:esp32:c', 'done'],
        ['virtual:esp8266:b', 'skipped'],
      ]),
    );
    const done = state.report.find((row) => row.result === 'done')!;
    expect(done.bytesSent).toBeGreaterThan(0);
    // Noise does not compress: a little over the image, never a second copy of it.
    expect(done.bytesSent).toBeLessThan(IMAGE_BYTES * 1.01);
    expect(done.unchangedBytes).toBe(0);
    expect(done.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(done.firmwareSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(events.filter((e) => e.kind === 'attached')).toHaveLength(3);
    expect(events.filter((e) => e.kind === 'started')).toHaveLength(2);
  });

  it('writes at most `concurrency` boards at once', async () => {
    await start(['a', 'b', 'c', 'd', 'e'].map((name) => esp32(name)));
    let writing = 0;
    let most = 0;
    services!.classroom.onEvent((event) => {
      if (event.kind === 'started') most = Math.max(most, ++writing);
      if (event.kind === 'finished') writing -= 1;
    });
    await call('classroom.start', { recipe: recipe(), options: { autoStart: true, concurrency: 2 } });
    const state = await until((s) => finished(s, 5), 'five boards');
    expect(state.stations.every((s) => s.phase === 'done')).toBe(true);
    expect(most).toBe(2);
  });

  it('a board unplugged mid-write shows it, fails only its tile, and resumes when the same board (MAC) is back', async () => {
    await start([esp32('a'), esp32('pulled', { unplugAtByte: 40_000, replugAfterMs: 1500 }), esp32('c')]);
    services!.classroom.onEvent((event) => events.push(event));
    await call('classroom.start', { recipe: recipe() });
    const away = await until((s) => s.stations.some((station) => station.phase === 'unplugged'), 'the unplug');
    const pulled = away.stations.find((s) => s.phase === 'unplugged')!;
    expect(pulled).toMatchObject({ port: 'virtual:esp32:pulled', message: 'Unplugged — plug it back in to retry.', attached: false });
    const state = await until((s) => finished(s, 3), 'all three, after the return');
    expect(state.stations.map((s) => s.phase)).toEqual(['done', 'done', 'done']);
    const rows = state.report.filter((row) => row.port === 'virtual:esp32:pulled');
    expect(rows.map((row) => [row.attempt, row.result])).toEqual([
      [1, 'unplugged'],
      [2, 'done'],
    ]);
    expect(rows[0]!.mac).toBe(rows[1]!.mac);
    expect(rows[0]!.error).toMatch(/unplugged/);
    expect(await flashOf('virtual:esp32:pulled')).toEqual(written());
    // The others never noticed.
    expect(state.report.filter((row) => row.port !== 'virtual:esp32:pulled').map((row) => row.result)).toEqual(['done', 'done']);
  });

  it('with auto-start off, a matching board waits for Start', async () => {
    await start([esp32('a')]);
    await call('classroom.start', { recipe: recipe(), options: { autoStart: false, concurrency: 4 } });
    const ready = await until((s) => s.stations[0]?.phase === 'ready', 'the ready tile');
    expect(ready.stations[0]!.message).toMatch(/press Start/);
    await call('classroom.retry', { stationId: ready.stations[0]!.id });
    await until((s) => s.stations[0]?.phase === 'done', 'the write');
  });

  it('puts the recipe files and the Wi-Fi config on the board after the firmware', async () => {
    setVirtualBoardDefaults({});
    // A MicroPython-marked image, so the board runs MicroPython after the reset.
    const { buildDemoFirmware } = await import('../../../../electron/virtual-board/demo-firmware');
    await writeFile(firmwarePath, buildDemoFirmware('esp32').data);
    const mainPy = join(dataDir, 'main.py');
    await writeFile(mainPy, 'print("hello, class")\n');
    await start([esp32('files')]);
    await call('classroom.start', { recipe: recipe({ files: [{ path: mainPy }], wifi: { ssid: 'Room 12', password: 'p"w,d' } }) });
    const state = await until((s) => finished(s, 1), 'the board with files', 60_000);
    expect(state.stations[0]).toMatchObject({ phase: 'done' });
    const repl = await services!.repl.open({ port: 'virtual:esp32:files' });
    const wifi = await services!.repl.readText(repl.id, '/wifi.json');
    expect(JSON.parse(wifi.text)).toEqual({ ssid: 'Room 12', password: 'p"w,d' });
    expect((await services!.repl.readText(repl.id, '/main.py')).text).toBe('print("hello, class")\n');
    expect((await services!.repl.readText(repl.id, '/boot.py')).text).toMatch(/wifi\.json/);
    await services!.repl.close(repl.id);
  }, 90_000);

  it('refuses to start on a bad recipe with the reason, before touching any board', async () => {
    await start([esp32('a')]);
    const response = await services!.router.handle('classroom.start', { recipe: recipe({ files: [{ path: join(dataDir, 'nope.py') }] }) }, { client: 'test' });
    expect(response).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringMatching(/nope\.py .*does not exist/) } });
    expect((await call<ClassroomState>('classroom.state', {})).run).toBeNull();
  });

  it('keeps the report across restarts, and exports it as CSV', async () => {
    await start([esp32('a')]);
    await call('classroom.start', { recipe: recipe() });
    await until((s) => finished(s, 1), 'one board');
    await call('classroom.stop', {});
    await services!.dispose();
    services = null;
    await start([esp32('a')]);
    const history = await call<ClassroomHistoryRun[]>('classroom.history', {});
    expect(history).toHaveLength(1);
    expect(history[0]!.rows.map((row) => row.result)).toEqual(['done']);
    expect(history[0]!.run.endedAt).not.toBeNull();
    const saved = await call<{ path: string; rows: number }>('classroom.report.save', { folder: dataDir });
    expect(saved.rows).toBe(1);
    const csv = await readFile(saved.path, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('run,started,port,mac,chip,flash_bytes,firmware,firmware_sha256,result,attempt,duration_s,bytes_sent,unchanged_bytes,error');
    expect(csv).toContain(',virtual:esp32:a,');
    // Saved again: a second file, never over the first.
    const again = await call<{ path: string }>('classroom.report.save', { folder: dataDir });
    expect(again.path).not.toBe(saved.path);
  });

  it('Demo boards stay out of a run while the Demo board setting is off', async () => {
    await start([esp32('a')], { demoBoard: false });
    await call('classroom.start', { recipe: recipe() });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await call<ClassroomState>('classroom.state', {})).stations).toEqual([]);
  });
});
