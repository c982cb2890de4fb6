import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKilnServices, type KilnServices } from '../../../../electron/ipc/kiln-services';
import { demoPortList } from '../../../../electron/services/port-sources';
import { MAX_APP_VIRTUAL_BOARDS } from '../../../../electron/services/virtual-board-admission';
import { openPort } from '../../../../electron/services/port-sources';
import { boardFor, closeVirtualPorts, listVirtualPorts, releaseVirtualPort } from '../../../../electron/virtual-board/access/virtual-ports';
import type { WireResponse } from '../../../../shared/contract/api';
import type { DeviceSession } from '../../../../shared/types/device';

/**
 * What device.connect lets a client of the app reach: only serial devices (after resolving
 * links and ".."), and virtual boards only while the Demo board is on, a bounded number of them,
 * freed when their session ends (except the Demo boards, whose flash the user comes back to).
 */
let dataDir: string;
let services: KilnServices;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kiln-guards-'));
  services = await createKilnServices({
    dataDir,
    mode: 'headless',
    version: 'test',
    listHardwarePorts: async () => [],
    demoPorts: demoPortList,
    openLink: openPort,
    releaseVirtualPort,
    virtualBoardLimit: 2,
  });
});

afterEach(async () => {
  await services.dispose();
  await closeVirtualPorts();
  await rm(dataDir, { recursive: true, force: true });
});

const request = (name: string, args: unknown): Promise<WireResponse> => services.router.handle(name, args, { client: 'test' });

async function connect(port: string): Promise<DeviceSession> {
  const response = await request('device.connect', { port, baud: 921600 });
  if (!response.ok) throw new Error(`connect ${port}: ${response.error.message}`);
  return response.result as DeviceSession;
}

describe('device.connect guards', () => {
  it('refuses paths that climb out of /dev and devices that are not serial ports', async () => {
    expect(await request('device.connect', { port: '/dev/../etc/passwd' })).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/must not contain "\." or "\.\." segments/) } });
    expect(await request('device.connect', { port: '/dev/./null' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await request('device.connect', { port: '/dev/null' })).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/^\/dev\/null is not a serial terminal device/), hint: expect.stringMatching(/Choose the board’s port/) } });
    expect(await request('device.connect', { port: '/dev/no-such-port' })).toMatchObject({ ok: false, error: { code: 'device', message: 'There is no serial port at /dev/no-such-port.' } });
    // Nothing was attempted: no connect job was started for any of them.
    expect(services.jobs.list()).toEqual([]);
  });

  it('creates no virtual board while the Demo board is off', async () => {
    const refused = await request('device.connect', { port: 'virtual:esp32:guest' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'bad-request', message: 'virtual:esp32:guest is a virtual board, and the Demo board is turned off.', hint: expect.stringMatching(/Settings/) } });
    expect(await request('device.connect', { port: 'virtual:esp32' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(listVirtualPorts()).not.toContain('virtual:esp32:guest');
    expect(services.jobs.list()).toEqual([]);
  });

  it('bounds the virtual boards, and frees a labelled one when its session ends', async () => {
    expect(MAX_APP_VIRTUAL_BOARDS).toBeGreaterThanOrEqual(2);
    await request('settings.update', { demoBoard: true });
    const first = await connect('virtual:esp32:class-1');
    await connect('virtual:esp8266:class-2');
    const third = await request('device.connect', { port: 'virtual:esp32:class-3' });
    expect(third).toMatchObject({ ok: false, error: { code: 'busy', message: 'Kiln is already connected to 2 virtual boards, the most it allows at once.' } });
    expect(listVirtualPorts()).not.toContain('virtual:esp32:class-3');

    const board = await boardFor('virtual:esp32:class-1');
    expect(await request('device.disconnect', { sessionId: first.id, after: 'no-reset' })).toMatchObject({ ok: true });
    // Freed: gone from the registry, and the board itself is switched off.
    expect(listVirtualPorts()).not.toContain('virtual:esp32:class-1');
    expect(board.state).toBe('off');
    expect((await connect('virtual:esp32:class-3')).status).toBe('ready');
  }, 60_000);

  it('keeps the Demo board (and what was flashed to it) across a disconnect', async () => {
    await request('settings.update', { demoBoard: true });
    const session = await connect('virtual:esp32');
    const board = await boardFor('virtual:esp32');
    board.writeFlashRaw(0x200000, Uint8Array.of(1, 2, 3, 4));
    await request('device.disconnect', { sessionId: session.id, after: 'no-reset' });
    const again = await boardFor('virtual:esp32');
    expect(again).toBe(board);
    expect([...again.readFlash(0x200000, 4)]).toEqual([1, 2, 3, 4]);
  }, 60_000);
});
