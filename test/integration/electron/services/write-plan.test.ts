/**
 * device.write takes the same one validation path as the CLI: with eraseAll, a request that a check
 * refuses (overlapping images, an image for another chip) leaves the board byte-identical.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KilnServices } from '../../../../electron/ipc/kiln-services';
import { createVirtualBoard, type VirtualBoard } from '../../../../electron/virtual-board';
import { buildDemoFirmware } from '../../../../electron/virtual-board/demo-firmware';
import type { DeviceSession } from '../../../../shared/types/device';
import type { LocalImage } from '../../../../shared/types/firmware';
import type { JobSummary } from '../../../../shared/types/jobs';
import { makeFirmware, noise } from '../../../fixtures/firmware/fake-micropython';
import { servicesRig, type ServicesRig } from './services-rig';

const PORT = 'virtual:esp32:plan';
let rig: ServicesRig;
let dataDir: string;
let services: KilnServices;
let board: VirtualBoard;
let call: ServicesRig['call'];

beforeEach(async () => {
  board = await createVirtualBoard({ chip: 'esp32', linkModel: false });
  board.writeFlashRaw(0, noise(board.flashSize, 5));
  rig = await servicesRig('write-plan', new Map([[PORT, board]]));
  ({ dataDir, services, call } = rig);
});

afterEach(() => rig.close());

async function addLocal(name: string, bytes: Uint8Array): Promise<LocalImage> {
  const path = join(dataDir, name);
  await writeFile(path, bytes);
  return call<LocalImage>('firmware.local.add', { path });
}

const digest = (): string => createHash('sha256').update(board.readFlash(0, board.flashSize)).digest('hex');

describe('device.write with eraseAll', () => {
  it('refuses overlapping images before erasing: the board stays byte-identical', async () => {
    const session = await call<DeviceSession>('device.connect', { port: PORT });
    const firmware = makeFirmware('esp32', 64 * 1024);
    const local = await addLocal('esp32-64k.bin', firmware);
    const before = digest();
    const job = await call<JobSummary>('device.write', {
      sessionId: session.id,
      eraseAll: true,
      images: [
        { image: { kind: 'local', id: local.id }, offset: 0x1000 },
        { image: { kind: 'local', id: local.id }, offset: 0x8000 },
      ],
    });
    const done = await services.jobs.settled(job.id);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(/overlaps/);
    expect(digest()).toBe(before);
  });

  it('refuses an image for another chip before erasing', async () => {
    const session = await call<DeviceSession>('device.connect', { port: PORT });
    const local = await addLocal('demo-esp8266.bin', buildDemoFirmware('esp8266').data);
    const before = digest();
    const job = await call<JobSummary>('device.write', { sessionId: session.id, eraseAll: true, images: [{ image: { kind: 'local', id: local.id }, offset: 0x1000 }] });
    const done = await services.jobs.settled(job.id);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('firmware');
    expect(digest()).toBe(before);
  });

  it('erases, then writes, when every check passes', async () => {
    const session = await call<DeviceSession>('device.connect', { port: PORT });
    const firmware = buildDemoFirmware('esp32').data;
    const local = await addLocal('demo-esp32.bin', firmware);
    const job = await call<JobSummary>('device.write', { sessionId: session.id, eraseAll: true, images: [{ image: { kind: 'local', id: local.id }, offset: 0x1000 }] });
    const done = await services.jobs.settled(job.id);
    expect(done.error).toBeNull();
    // Erased outside the image, the image itself (header bytes aside) in place.
    expect(board.readFlash(0x300000, 4096).every((b) => b === 0xff)).toBe(true);
    expect(Buffer.from(board.readFlash(0x1000 + 16, firmware.length - 16)).equals(Buffer.from(firmware.subarray(16)))).toBe(true);
  });
});
