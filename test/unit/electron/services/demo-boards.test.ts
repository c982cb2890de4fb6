import { afterEach, describe, expect, it } from 'vitest';
import { demoBoardSet, parseDemoBoards } from '../../../../electron/services/demo-boards';
import { closeVirtualPorts } from '../../../../electron/virtual-board/access/virtual-ports';

afterEach(async () => {
  await closeVirtualPorts();
});

describe('a chosen set of Demo boards', () => {
  it('lists each board under its own virtual path and label', () => {
    const set = demoBoardSet(parseDemoBoards([{ chip: 'esp8266', name: 'esp01', flashSize: 512 * 1024, label: 'ESP-01 (512 KB)' }]));
    expect(set.list()).toEqual([expect.objectContaining({ path: 'virtual:esp8266:esp01', label: 'ESP-01 (512 KB)', virtual: true })]);
    expect(set.handles('virtual:esp8266:esp01')).toBe(true);
    expect(set.handles('virtual:esp32')).toBe(false);
  });

  it('refuses a malformed list with a readable reason', () => {
    expect(() => parseDemoBoards([{ chip: 'esp9000', name: 'x' }])).toThrow(/The Demo board list is not valid: 0\.chip/);
    expect(() => parseDemoBoards([{ chip: 'esp32', name: '../x' }])).toThrow(/0\.name/);
  });

  it('opens the board with its flash size', async () => {
    const set = demoBoardSet(parseDemoBoards([{ chip: 'esp8266', name: 'small', flashSize: 512 * 1024 }]));
    const link = await set.open('virtual:esp8266:small', 115200);
    expect(link.baudRate).toBe(115200);
    await link.close();
  });
});

describe('Demo boards for classroom mode', () => {
  it('appear over time, counted from the first listing (the Demo board turned on)', () => {
    let now = 1000;
    const set = demoBoardSet(parseDemoBoards([{ chip: 'esp32', name: 'a' }, { chip: 'esp32', name: 'b', appearAfterMs: 500 }]), () => now);
    expect(set.list().map((port) => port.path)).toEqual(['virtual:esp32:a']);
    now += 499;
    expect(set.list()).toHaveLength(1);
    now += 1;
    expect(set.list().map((port) => port.path)).toEqual(['virtual:esp32:a', 'virtual:esp32:b']);
  });

  it('a board unplugged by its fault leaves the list for replugAfterMs, then is back and connects cleanly', async () => {
    let now = 0;
    const set = demoBoardSet(parseDemoBoards([{ chip: 'esp32', name: 'pulled', unplugAtByte: 10, replugAfterMs: 2000 }]), () => now);
    expect(set.list()).toHaveLength(1);
    const link = await set.open('virtual:esp32:pulled', 115200);
    const closed = new Promise<string>((resolve) => link.onClose(resolve));
    await link.write(new Uint8Array(64));
    expect(await closed).toMatch(/unplugged/);
    expect(set.list()).toEqual([]);
    await expect(set.open('virtual:esp32:pulled', 115200)).rejects.toThrow(/not plugged in/);
    now += 2000;
    expect(set.list()).toHaveLength(1);
    const again = await set.open('virtual:esp32:pulled', 115200);
    await again.write(new Uint8Array(64));
    expect(again.isOpen).toBe(true);
    await again.close();
  });
});
