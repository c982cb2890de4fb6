/**
 * device.write takes the same one validation path as the CLI: with eraseAll, a request that a check
 * refuses (overlapping images, an image for another chip) leaves the board byte-identical.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKilnServices, type KilnServices } from '../../../../electron/ipc/kiln-services';
import { createVirtualBoard, type VirtualBoard } from '../../../../electron/virtual-board';
import { buildDemoFirmware } from '../../../../electron/virtual-board/demo-firmware';
import type { WireResponse } from '../../../../shared/contract/api';
import type { DeviceSession } from '../../../../shared/types/device';
import type { LocalImage } from '../../../../shared/types/firmware';
import type { JobSummary } from '../../../../shared/types/jobs';
import { makeFirmware, noise } from '../../../fixtures/firmware/fake-micropython';

const PORT = 'virtual:esp32:plan';
let dataDir: string;
let services: KilnServices;
let board: VirtualBoard;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kiln-write-plan-'));
  board = await createVirtualBoard({ chip: 'esp32', linkModel: false });
  board.writeFlashRaw(0, noise(board.flashSize, 5));
  services = await createKilnServices({
    dataDir,
    mode: 'headless',
    version: 'test',
    listHardwarePorts: async () => [],
    openLink: async (path) => {
      if (path !== PORT) throw new Error(`no such test board ${path}`);
      return board.connect(path);
    },
  });
  // The test board is virtual: the app lets it in only with the Demo board on.
  await services.router.handle('settings.update', { demoBoard: true }, { client: 'test' });
});

afterEach(async () => {
  await services.dispose();
  await board.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function call<T>(name: string, args: unknown): Promise<T> {
  const response: WireResponse = await services.router.handle(name, args, { client: 'test' });
  if (!response.ok) throw new Error(`${name} failed: ${response.error.code}: ${response.error.message}`);
  return response.result as T;
}

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
