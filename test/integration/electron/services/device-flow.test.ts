import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KilnServices } from '../../../../electron/ipc/kiln-services';
import { createVirtualBoard, type VirtualBoard } from '../../../../electron/virtual-board';
import { buildDemoFirmware } from '../../../../electron/virtual-board/demo-firmware';
import type { DeviceSession } from '../../../../shared/types/device';
import type { JobSummary } from '../../../../shared/types/jobs';
import type { LocalImage } from '../../../../shared/types/firmware';
import { servicesRig, type ServicesRig } from './services-rig';

/**
 * The whole main-process path a click takes: router (schema check) → device sessions → firmware
 * service (resolve + fit check) → engine → virtual board, with progress arriving as job events.
 */
let rig: ServicesRig;
let dataDir: string;
let services: KilnServices;
let boards: Map<string, VirtualBoard>;
let call: ServicesRig['call'];
let jobEvents: JobSummary[];

beforeEach(async () => {
  boards = new Map([
    ['virtual:esp8266:svc', await createVirtualBoard({ chip: 'esp8266', flashSize: 1024 * 1024, jedecId: 0xe04014, linkModel: false })],
    ['virtual:esp32:svc', await createVirtualBoard({ chip: 'esp32', linkModel: false })],
  ]);
  rig = await servicesRig('services', boards);
  ({ dataDir, services, call } = rig);
  jobEvents = [];
  services.events.subscribe((name, payload) => {
    if (name === 'job.updated') jobEvents.push(payload as JobSummary);
  });
});

afterEach(() => rig.close());

async function addLocal(name: string, bytes: Uint8Array): Promise<LocalImage> {
  const path = join(dataDir, name);
  await writeFile(path, bytes);
  return call<LocalImage>('firmware.local.add', { path });
}

describe('connect, check and write through the services', () => {
  it('works at the fastest safe baud by default, and says which and why', async () => {
    const session = await call<DeviceSession>('device.connect', { port: 'virtual:esp32:svc' });
    // A port Kiln cannot name an adapter for gets the rate every adapter handles, no more.
    expect(session.info.baudRate).toBe(921_600);
    expect(session.baudNotes.join('\n')).toMatch(/921600 baud: the fastest rate that passed the link check/);
    await call('device.disconnect', { sessionId: session.id });
    await call('settings.update', { flashBaud: 460800 });
    const fixed = await call<DeviceSession>('device.connect', { port: 'virtual:esp32:svc' });
    expect(fixed.info.baudRate).toBe(460_800);
    expect(fixed.baudNotes).toEqual([]);
  });

  it('detects an ESP8266 with a 1 MB Berg Micro flash and writes a local image, verified', async () => {
    const session = await call<DeviceSession>('device.connect', { port: 'virtual:esp8266:svc' });
    expect(session.info.chip).toBe('esp8266');
    expect(session.info.flash).toMatchObject({ vendor: expect.stringMatching(/Berg/i), sizeBytes: 1024 * 1024 });
    expect(session.status).toBe('ready');
    expect(await call<DeviceSession[]>('device.list', {})).toHaveLength(1);

    const firmware = buildDemoFirmware('esp8266');
    const local = await addLocal('demo-esp8266.bin', firmware.data);
    const job = await call<JobSummary>('device.write', { sessionId: session.id, images: [{ image: { kind: 'local', id: local.id } }] });
    const done = await services.jobs.settled(job.id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');

    const written = boards.get('virtual:esp8266:svc')!.readFlash(0, firmware.data.length);
    // Byte 3 carries the flash size, set to the detected 1 MB; everything else is the image as given.
    expect(written[3]! >> 4).toBe(2);
    expect(written.subarray(4)).toEqual(firmware.data.subarray(4));
    // Progress reached the job (events are throttled, so a fast write may publish none of it).
    expect(done.progress?.stage).toMatch(/writing|verifying|done/);
    expect(jobEvents.at(-1)).toMatchObject({ id: job.id, status: 'succeeded' });
  });

  it('refuses an ESP32 image for an ESP8266 before writing anything', async () => {
    const session = await call<DeviceSession>('device.connect', { port: 'virtual:esp8266:svc' });
    const board = boards.get('virtual:esp8266:svc')!;
    const before = board.readFlash(0, 0x10000);
    const local = await addLocal('esp32.bin', buildDemoFirmware('esp32').data);
    const job = await call<JobSummary>('device.write', { sessionId: session.id, images: [{ image: { kind: 'local', id: local.id }, offset: 0 }] });
    const done = await services.jobs.settled(job.id);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('firmware');
    expect(done.error?.message).toMatch(/ESP32/);
    expect(board.readFlash(0, 0x10000)).toEqual(before);
    // The board is still usable.
    expect((await call<DeviceSession[]>('device.list', {}))[0]?.status).toBe('ready');
  });

  it('runs two boards at once and refuses a second connection to the same port', async () => {
    const [a, b] = await Promise.all([
      call<DeviceSession>('device.connect', { port: 'virtual:esp8266:svc' }),
      call<DeviceSession>('device.connect', { port: 'virtual:esp32:svc' }),
    ]);
    expect([a.info.chip, b.info.chip].sort()).toEqual(['esp32', 'esp8266']);
    const again = await services.router.handle('device.connect', { port: 'virtual:esp32:svc' }, { client: 'test' });
    expect(again).toMatchObject({ ok: false, error: { code: 'busy' } });
    const erase = await call<JobSummary>('device.erase', { sessionId: b.id });
    expect((await services.jobs.settled(erase.id)).status).toBe('succeeded');
    expect(boards.get('virtual:esp32:svc')!.readFlash(0, 4096).every((byte) => byte === 0xff)).toBe(true);
    await call('device.disconnect', { sessionId: a.id, after: 'no-reset' });
    expect((await call<DeviceSession[]>('device.list', {})).map((s) => s.port)).toEqual(['virtual:esp32:svc']);
  });

  it('explains a port that does not answer and rejects malformed requests', async () => {
    const missing = await services.router.handle('device.connect', { port: 'virtual:esp32:nowhere' }, { client: 'test' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'device', message: expect.stringMatching(/^Could not open virtual:esp32:nowhere: no such test board/) } });
    const relative = await services.router.handle('device.connect', { port: '../../etc/passwd' }, { client: 'test' });
    expect(relative).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const noSession = await services.router.handle('device.erase', { sessionId: 'dev-00000000-0000-0000-0000-000000000000' }, { client: 'test' });
    expect(noSession).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});
