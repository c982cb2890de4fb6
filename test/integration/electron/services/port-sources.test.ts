import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detect } from '../../../../electron/esp/operations';
import { openSession } from '../../../../electron/esp/session';
import { SerialPortLink } from '../../../../electron/serial/serialport-link';
import { composePortList, demoPortList, hardwarePortLister, openPort } from '../../../../electron/services/port-sources';
import { closeVirtualPorts } from '../../../../electron/virtual-board/access/virtual-ports';
import { createPtyPair } from '../serial/pty-pair';

afterAll(closeVirtualPorts);

describe('the port list', () => {
  it('lists the machine ports with no udevadm on PATH, and the Demo boards beside them, without a warning', async () => {
    // serialport's Linux listing spawns udevadm; an empty PATH makes sure it cannot be found.
    const emptyBin = mkdtempSync(path.join(tmpdir(), 'kiln-no-udev-'));
    const savedPath = process.env.PATH;
    process.env.PATH = emptyBin;
    try {
      const listing = await composePortList([
        { name: 'serial ports', list: hardwarePortLister() },
        { name: 'Demo boards', list: async () => demoPortList() },
      ]);
      expect(listing.warnings).toEqual([]);
      expect(listing.ports.filter((p) => p.virtual).map((p) => p.path)).toEqual(['virtual:esp32', 'virtual:esp8266']);
      expect(listing.ports.filter((p) => !p.virtual).every((p) => p.path.startsWith('/dev/'))).toBe(true);
    } finally {
      process.env.PATH = savedPath;
      rmSync(emptyBin, { recursive: true, force: true });
    }
  });

  it('keeps the other sources when one fails or never answers, and says which one is missing', async () => {
    const listing = await composePortList(
      [
        { name: 'serial ports', list: () => Promise.reject(new Error('spawn udevadm ENOENT')) },
        { name: 'stuck adapters', list: () => new Promise(() => undefined) },
        { name: 'Demo boards', list: async () => demoPortList() },
      ],
      50,
    );
    expect(listing.ports.map((p) => p.path)).toEqual(['virtual:esp32', 'virtual:esp8266']);
    expect(listing.warnings).toEqual([
      'Could not list serial ports: spawn udevadm ENOENT. The other ports are shown.',
      'Could not list stuck adapters: Listing stuck adapters did not answer within 0.05 s. The other ports are shown.',
    ]);
  });
});

describe('opening ports', () => {
  it('opens virtual:<chip> paths on the shared board of that name', async () => {
    const link = await openPort('virtual:esp32:ports-test', 115200);
    const session = await openSession(link, { connectAttempts: 3 });
    expect((await detect(session)).chip).toBe('esp32');
    await session.close('no-reset');
    // Re-opening reaches the same board: its stub is still running.
    const again = await openSession(await openPort('virtual:esp32:ports-test'), { before: 'no-reset', connectAttempts: 2 });
    expect(again.stubState).toBe('already-running');
    await again.close('no-reset');
  });

  it('opens device paths (a pty here) with serialport', async () => {
    const pair = await createPtyPair();
    try {
      const link = await openPort(pair.a, 230400);
      expect(link).toBeInstanceOf(SerialPortLink);
      expect(link.baudRate).toBe(230400);
      await link.close();
    } finally {
      await pair.close();
    }
  });
});
