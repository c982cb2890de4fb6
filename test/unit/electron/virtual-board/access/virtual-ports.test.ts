import { afterEach, describe, expect, it } from 'vitest';
import { boardFor, closeVirtualPorts, isVirtualPortPath, listVirtualPorts, MAX_VIRTUAL_BOARDS, openVirtualPort, releaseVirtualPort } from '../../../../../electron/virtual-board/access/virtual-ports';
import { Host } from '../helpers/host';

afterEach(async () => {
  await closeVirtualPorts();
});

describe('virtual ports', () => {
  it('recognises virtual:<chip> and virtual:<chip>:<name>, nothing else', () => {
    expect(isVirtualPortPath('virtual:esp8266')).toBe(true);
    expect(isVirtualPortPath('virtual:esp32:classroom-3')).toBe(true);
    expect(isVirtualPortPath('virtual:esp32c3')).toBe(true);
    expect(isVirtualPortPath('virtual:esp99')).toBe(false);
    expect(isVirtualPortPath('/dev/ttyUSB0')).toBe(false);
    expect(isVirtualPortPath('virtual:esp32:bad name')).toBe(false);
  });

  it('lists the two demo boards and every board opened since', async () => {
    expect(listVirtualPorts()).toEqual(['virtual:esp8266', 'virtual:esp32']);
    const link = await openVirtualPort('virtual:esp32:classroom-3', { linkModel: false });
    expect(listVirtualPorts()).toContain('virtual:esp32:classroom-3');
    expect(link.path).toBe('virtual:esp32:classroom-3');
  });

  it('one board per path: a reconnect reaches the same board, a second open is refused', async () => {
    const first = await openVirtualPort('virtual:esp32', { linkModel: false, bootMode: 'download' });
    await expect(openVirtualPort('virtual:esp32')).rejects.toThrow(/already open/);
    const host = new Host(first);
    await host.sync();
    await host.uploadStub('esp32');
    expect(Buffer.from((await host.packet(500)) ?? []).toString()).toBe('OHAI');
    await first.close();
    const again = new Host(await openVirtualPort('virtual:esp32'));
    expect((await again.sync())[0]?.value).toBe(0); // the stub kept running
  });

  it('refuses paths that are not virtual ports, saying what to use', async () => {
    await expect(openVirtualPort('virtual:nope')).rejects.toThrow(/virtual:esp8266/);
  });
});

describe('virtual ports after a board was closed', () => {
  it('plugs in a fresh board when the old one was closed by its owner', async () => {
    const { boardFor } = await import('../../../../../electron/virtual-board/access/virtual-ports');
    const board = await boardFor('virtual:esp8266', { linkModel: false });
    await board.close();
    const fresh = await boardFor('virtual:esp8266');
    expect(fresh).not.toBe(board);
    expect(fresh.connect().isOpen).toBe(true);
  });
});

describe('virtual ports are bounded and can be freed', () => {
  it('refuses a board past the limit with a clear error, and makes room when one is released or closed', async () => {
    const boards = [];
    for (let i = 0; i < MAX_VIRTUAL_BOARDS; i++) boards.push(await boardFor(`virtual:esp8266:bound-${i}`, { linkModel: false }));
    await expect(boardFor('virtual:esp8266:one-too-many', { linkModel: false })).rejects.toThrow(
      new RegExp(`already runs ${MAX_VIRTUAL_BOARDS} virtual boards, the most it allows at once\\. Close one of them before opening virtual:esp8266:one-too-many`),
    );
    // An existing board is still reachable at the limit.
    expect(await boardFor('virtual:esp8266:bound-0')).toBe(boards[0]);

    await releaseVirtualPort('virtual:esp8266:bound-0');
    expect(boards[0]!.state).toBe('off');
    expect(listVirtualPorts()).not.toContain('virtual:esp8266:bound-0');
    const admitted = await boardFor('virtual:esp8266:one-too-many', { linkModel: false });
    expect(admitted.connect().isOpen).toBe(true);

    // A board its owner closed stops counting too.
    await expect(boardFor('virtual:esp8266:another', { linkModel: false })).rejects.toThrow(/the most it allows/);
    await boards[1]!.close();
    expect((await boardFor('virtual:esp8266:another', { linkModel: false })).connect().isOpen).toBe(true);
  }, 60_000);

  it('a released path plugs in a fresh, blank board; releasing an unknown path does nothing', async () => {
    const board = await boardFor('virtual:esp32:freed', { linkModel: false });
    await releaseVirtualPort('virtual:esp32:freed');
    const fresh = await boardFor('virtual:esp32:freed', { linkModel: false });
    expect(fresh).not.toBe(board);
    await expect(releaseVirtualPort('virtual:esp32:never-opened')).resolves.toBeUndefined();
  });
});
