/**
 * One owner per port, through the router as the UI sees it: a terminal and a bootloader session
 * never share a port; the terminal takes it over only when asked, and then shows the board booting.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KilnServices } from '../../../../electron/ipc/kiln-services';
import { createVirtualBoard, type VirtualBoard } from '../../../../electron/virtual-board';
import { buildDemoFirmware } from '../../../../electron/virtual-board/demo-firmware';
import { createMicroPythonRuntime } from '../../../../electron/virtual-board/micropython/index';
import type { DeviceSession } from '../../../../shared/types/device';
import type { ReplOutput, ReplSessionInfo } from '../../../../shared/types/repl';
import { servicesRig, type ServicesRig } from './services-rig';

const PORT = 'virtual:esp32:own';
let rig: ServicesRig;
let services: KilnServices;
let board: VirtualBoard;
let call: ServicesRig['call'];
let consoleText: string;

beforeEach(async () => {
  board = await createVirtualBoard({ chip: 'esp32', linkModel: false, runtime: createMicroPythonRuntime });
  const firmware = buildDemoFirmware('esp32');
  board.writeFlashRaw(firmware.offset, firmware.data);
  rig = await servicesRig('ownership', new Map([[PORT, board]]));
  ({ services, call } = rig);
  consoleText = '';
  services.events.subscribe((name, payload) => {
    if (name === 'repl.output') consoleText += Buffer.from((payload as ReplOutput).data, 'base64').toString('latin1');
  });
});

afterEach(() => rig.close());

describe('port ownership', () => {
  it('refuses flashing while the terminal holds the port, and the terminal while flashing holds it', async () => {
    const terminal = await call<ReplSessionInfo>('repl.open', { port: PORT });
    await expect(call('device.connect', { port: PORT })).rejects.toMatchObject({ code: 'busy', message: `The terminal has ${PORT} open.` });
    await call('repl.close', { sessionId: terminal.id });

    await call<DeviceSession>('device.connect', { port: PORT });
    await expect(call('repl.open', { port: PORT })).rejects.toMatchObject({ code: 'busy', message: expect.stringContaining('connected to its bootloader') });

    // Asked to take over (the wizard's "Open the REPL"), the terminal ends the flashing session and resets the board.
    await call('repl.open', { port: PORT, takeOver: true });
    expect(await call<DeviceSession[]>('device.list', {})).toEqual([]);
    await expect.poll(() => consoleText, { timeout: 15_000 }).toMatch(/MicroPython v1\.24\.1[\s\S]*>>> $/);
  }, 30_000);

  it('rejects malformed board paths and terminal bytes before any service sees them', async () => {
    const terminal = await call<ReplSessionInfo>('repl.open', { port: PORT });
    await expect(call('files.list', { sessionId: terminal.id, path: 'relative' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(call('files.remove', { sessionId: terminal.id, path: '/lib/../boot.py' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(call('repl.write', { sessionId: terminal.id, data: 'not base64!' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(call('repl.open', { port: PORT, baud: 12345 })).rejects.toMatchObject({ code: 'bad-request' });
  });
});
