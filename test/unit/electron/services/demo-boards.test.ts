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
