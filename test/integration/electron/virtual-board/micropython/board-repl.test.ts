import { afterEach, describe, expect, it } from 'vitest';
import { LinkReader } from '../../../../../electron/repl/link-reader';
import { RawRepl } from '../../../../../electron/repl/raw-repl';
import type { Link } from '../../../../../electron/serial/link';
import { buildDemoFirmware } from '../../../../../electron/virtual-board/demo-firmware';
import { createVirtualBoard, type VirtualBoard } from '../../../../../electron/virtual-board/index';
import { createMicroPythonRuntime } from '../../../../../electron/virtual-board/micropython/index';
import type { ChipFamily } from '../../../../../shared/types/chips';

/** The whole path a user takes: MicroPython image in flash, reset, REPL over the board's serial link. */

const boards: VirtualBoard[] = [];
afterEach(async () => {
  await Promise.all(boards.splice(0).map((board) => board.close()));
});

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
const send = (link: Link, text: string) => link.write(Buffer.from(text, 'latin1'));

async function boardRunningMicroPython(chip: ChipFamily): Promise<{ board: VirtualBoard; link: Link; reader: LinkReader; boot: string }> {
  const board = await createVirtualBoard({
    chip,
    name: `Kiln virtual board with ${chip.toUpperCase()}`,
    bootMode: 'run',
    linkModel: false,
    runtime: createMicroPythonRuntime,
  });
  boards.push(board);
  const firmware = buildDemoFirmware(chip);
  board.writeFlashRaw(firmware.offset, firmware.data);
  const link = board.connect();
  board.pressReset();
  const reader = new LinkReader(link);
  const boot = latin1(await reader.readUntil('>>> ', 15_000, 'booting MicroPython'));
  return { board, link, reader, boot };
}

describe('MicroPython on a virtual board', () => {
  it('boots the flashed image into the REPL and answers 1+2', async () => {
    const { link, reader, boot } = await boardRunningMicroPython('esp32');
    expect(boot).toContain('MicroPython v1.24.1 on 2024-11-29; Kiln virtual board with ESP32\r\nType "help()" for more information.\r\n');
    await send(link, '1+2\r');
    expect(latin1(await reader.readUntil('>>> ', 5000, 'evaluating'))).toBe('1+2\r\n3\r\n');
  });

  it('keeps a written file across a soft reboot, in the board flash', async () => {
    const { board, link, reader } = await boardRunningMicroPython('esp32');
    await send(link, "open('hello.txt','w').write('from the REPL')\r");
    await reader.readUntil('>>> ', 5000, 'writing a file');
    await send(link, '\x04');
    const reboot = latin1(await reader.readUntil('>>> ', 10_000, 'soft rebooting'));
    expect(reboot).toContain('MPY: soft reboot\r\n');
    await send(link, "open('hello.txt').read()\r");
    expect(latin1(await reader.readUntil('>>> ', 5000, 'reading the file'))).toContain("'from the REPL'");
    // MicroPython's filesystem lives in the ESP32's "vfs" region of a 4 MiB flash, from 0x200000.
    expect(latin1(board.readFlash(0x200000, 4))).toBe('KLNF');
  });

  it('uploads through the raw REPL client and keeps the file over a hard reset', async () => {
    const { board, link } = await boardRunningMicroPython('esp32');
    const repl = new RawRepl(link);
    const data = new TextEncoder().encode("print('uploaded main')\n");
    await repl.writeFile('/main.py', data);
    expect(await repl.readFile('/main.py')).toEqual(data);
    expect(await repl.listDir('/')).toContainEqual({ name: 'main.py', path: '/main.py', kind: 'file', size: data.length });
    await repl.exit();

    board.pressReset();
    const reader = new LinkReader(link);
    const boot = latin1(await reader.readUntil('>>> ', 15_000, 'rebooting'));
    expect(boot).toContain('uploaded main\r\n');
  });

  it('runs on an ESP8266 board too', async () => {
    const { link, reader, boot } = await boardRunningMicroPython('esp8266');
    expect(boot).toContain('MicroPython v1.24.1 on 2024-11-29; Kiln virtual board with ESP8266');
    await send(link, 'import machine; machine.freq()\r');
    expect(latin1(await reader.readUntil('>>> ', 5000, 'asking the clock'))).toContain('80000000');
  });
});
