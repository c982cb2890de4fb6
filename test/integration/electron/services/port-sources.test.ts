import { afterAll, describe, expect, it } from 'vitest';
import { detect } from '../../../../electron/esp/operations';
import { openSession } from '../../../../electron/esp/session';
import { listPorts, openLink } from '../../../../electron/serial/ports';
import { SerialPortLink } from '../../../../electron/serial/serialport-link';
import { closeVirtualPorts } from '../../../../electron/virtual-board/access/virtual-ports';
import { createPtyPair } from '../serial/pty-pair';

afterAll(closeVirtualPorts);

describe('ports', () => {
  it('lists the system ports and, when asked, the virtual boards', async () => {
    const plain = await listPorts();
    expect(plain.every((p) => p.kind !== 'virtual')).toBe(true);
    const all = await listPorts({ includeVirtual: true });
    const virtual = all.filter((p) => p.kind === 'virtual').map((p) => p.path);
    expect(virtual).toEqual(expect.arrayContaining(['virtual:esp8266', 'virtual:esp32']));
    expect(all.find((p) => p.path === 'virtual:esp32')?.adapter).toBe('Kiln virtual board');
  });

  it('opens virtual:<chip> paths on the shared board of that name', async () => {
    const link = await openLink('virtual:esp32:ports-test', 115200);
    const session = await openSession(link, { connectAttempts: 3 });
    expect((await detect(session)).chip).toBe('esp32');
    await session.close('no-reset');
    // Re-opening reaches the same board: its stub is still running.
    const again = await openSession(await openLink('virtual:esp32:ports-test'), { before: 'no-reset', connectAttempts: 2 });
    expect(again.stubState).toBe('already-running');
    await again.close('no-reset');
  });

  it('opens device paths (a pty here) with serialport', async () => {
    const pair = await createPtyPair();
    try {
      const link = await openLink(pair.a, 230400);
      expect(link).toBeInstanceOf(SerialPortLink);
      expect(link.baudRate).toBe(230400);
      await link.close();
    } finally {
      await pair.close();
    }
  });
});
