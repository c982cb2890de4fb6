import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { KilnServices } from '../../../../electron/ipc/kiln-services';
import { createVirtualBoard, type VirtualBoard } from '../../../../electron/virtual-board';
import { buildDemoFirmware } from '../../../../electron/virtual-board/demo-firmware';
import { makeFirmware } from '../../../fixtures/firmware/fake-micropython';
import type { DeviceSession } from '../../../../shared/types/device';
import type { JobSummary } from '../../../../shared/types/jobs';
import type { LocalImage } from '../../../../shared/types/firmware';
import { UPLOAD_CHUNK_BYTES } from '../../../../shared/contract/uploads';
import { servicesRig, type ServicesRig } from './services-rig';

/** The services the wizard adds: connect with inspect, device.inspect, write results, uploads. */
const PORT = 'virtual:esp32:wiz';
let rig: ServicesRig;
let dataDir: string;
let services: KilnServices;
let board: VirtualBoard;
let call: ServicesRig['call'];

beforeEach(async () => {
  board = await createVirtualBoard({ chip: 'esp32', linkModel: false });
  rig = await servicesRig('wizard-services', new Map([[PORT, board]]));
  ({ dataDir, services, call } = rig);
});

afterEach(() => rig.close());

async function upload(name: string, bytes: Uint8Array, chunk = UPLOAD_CHUNK_BYTES): Promise<LocalImage> {
  const { uploadId } = await call<{ uploadId: string }>('firmware.upload.start', { name, size: bytes.length });
  for (let offset = 0; offset < bytes.length; offset += chunk) {
    await call('firmware.upload.chunk', { uploadId, offset, base64: Buffer.from(bytes.subarray(offset, offset + chunk)).toString('base64') });
  }
  return call<LocalImage>('firmware.upload.finish', { uploadId });
}

describe('what is on the board', () => {
  it('says "empty" for erased flash, and the MicroPython version once a MicroPython image is there', async () => {
    const first = await call<DeviceSession>('device.connect', { port: PORT, inspect: true });
    expect(first.contents).toEqual({ kind: 'empty' });

    const firmware = buildDemoFirmware('esp32', { version: 'v1.27.0', date: '2025-12-09' });
    board.writeFlashRaw(0x1000, firmware.data);
    // The app region starts at 0x10000 on the ESP32: the demo image's banner is there too in a real layout.
    board.writeFlashRaw(0x10000, firmware.data);
    const job = await call<JobSummary>('device.inspect', { sessionId: first.id });
    const done = await services.jobs.settled(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.result).toMatchObject({ kind: 'inspect', contents: { kind: 'micropython', version: 'v1.27.0', date: '2025-12-09' } });
    expect((await call<DeviceSession[]>('device.list', {}))[0]?.contents).toMatchObject({ kind: 'micropython', version: 'v1.27.0' });
  });

  it('says "unknown firmware" for an image without MicroPython in it', async () => {
    board.writeFlashRaw(0x1000, makeFirmware('esp32', 64 * 1024, 5));
    board.writeFlashRaw(0x10000, makeFirmware('esp32', 64 * 1024, 6));
    const session = await call<DeviceSession>('device.connect', { port: PORT, inspect: true });
    expect(session.contents).toMatchObject({ kind: 'unknown', detail: expect.stringMatching(/no MicroPython version/) });
  });
});

describe('a write job reports what it verified', () => {
  it('carries the written regions with their MD5 and verified flags as the job result', async () => {
    const session = await call<DeviceSession>('device.connect', { port: PORT });
    const image = await upload('mine.bin', makeFirmware('esp32', 250 * 1024, 9), 64 * 1024);
    expect(image.name).toBe('mine.bin');
    const job = await call<JobSummary>('device.write', { sessionId: session.id, images: [{ image: { kind: 'local', id: image.id } }] });
    const done = await services.jobs.settled(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.result).toMatchObject({ kind: 'flash', regions: [{ offset: 0x1000, size: 250 * 1024, verified: true, md5: expect.stringMatching(/^[0-9a-f]{32}$/) }] });
  });
});

describe('uploads', () => {
  it('refuses chunks out of order, more bytes than announced, and leaves no temporary files', async () => {
    const bytes = makeFirmware('esp32', 10 * 1024, 3);
    const { uploadId } = await call<{ uploadId: string }>('firmware.upload.start', { name: 'a.bin', size: bytes.length });
    const skipped = await services.router.handle('firmware.upload.chunk', { uploadId, offset: 100, base64: 'AAAA' }, { client: 'test' });
    expect(skipped).toMatchObject({ ok: false, error: { code: 'io', message: 'Expected the bytes from 0, got 100.' } });
    const tooMuch = await services.router.handle('firmware.upload.chunk', { uploadId, offset: 0, base64: Buffer.alloc(bytes.length + 1).toString('base64') }, { client: 'test' });
    expect(tooMuch).toMatchObject({ ok: false, error: { message: 'The file is larger than announced.' } });
    expect(await readdir(join(dataDir, 'firmware', 'uploads'))).toEqual([]);
    const path = await services.router.handle('firmware.upload.start', { name: '../evil.bin', size: 10 }, { client: 'test' });
    expect(path).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it('checks an uploaded file like one chosen by path: an HTML page is refused', async () => {
    const html = new TextEncoder().encode('<!DOCTYPE html><html><body>Moved</body></html>');
    await expect(upload('download.bin', html)).rejects.toThrow(/not a firmware image/);
  });
});
