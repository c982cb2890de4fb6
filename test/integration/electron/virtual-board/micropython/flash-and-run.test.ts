import { afterEach, describe, expect, it } from 'vitest';
import { hardReset, openSession, writeFlash } from '../../../../../electron/esp';
import { LinkReader } from '../../../../../electron/repl/link-reader';
import { RawRepl } from '../../../../../electron/repl/raw-repl';
import { buildDemoFirmware } from '../../../../../electron/virtual-board/demo-firmware';
import { createVirtualBoard, type VirtualBoard } from '../../../../../electron/virtual-board';
import { createMicroPythonRuntime } from '../../../../../electron/virtual-board/micropython';
import type { ChipFamily } from '../../../../../shared/types/chips';

/**
 * What a user does, end to end and through Kiln's own engine: flash a MicroPython image over the
 * bootloader protocol, reset into it, and use the REPL the image brings up.
 */
const boards: VirtualBoard[] = [];
afterEach(async () => {
  await Promise.all(boards.splice(0).map((board) => board.close()));
});

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

describe.each<ChipFamily>(['esp8266', 'esp32'])('%s: flash MicroPython with the engine, then use its REPL', (chip) => {
  it('writes the image, resets into it, answers 1+2, keeps a file over a soft reboot, takes a raw-REPL upload', async () => {
    const board = await createVirtualBoard({ chip, linkModel: false, runtime: createMicroPythonRuntime, name: `Kiln test board (${chip})` });
    boards.push(board);
    const link = board.connect();
    const session = await openSession(link, { baudRate: 460800 });
    const firmware = buildDemoFirmware(chip);
    const result = await writeFlash(session, [{ offset: firmware.offset, data: firmware.data }], { flashSize: 'detect' });
    expect(result.regions.every((region) => region.verified)).toBe(true);

    // Into the app: MicroPython's console runs at 115200 whatever speed the flasher used.
    await hardReset(session);
    await link.setBaudRate(115200);
    const reader = new LinkReader(link);
    const boot = text(await reader.readUntil('>>> ', 15_000, 'booting MicroPython'));
    expect(boot).toContain(`MicroPython ${firmware.version}`);
    expect(board.state).toBe('running-app');

    await link.write(Buffer.from('1+2\r'));
    expect(text(await reader.readUntil('>>> ', 5000, 'evaluating'))).toBe('1+2\r\n3\r\n');

    await link.write(Buffer.from("open('kept.txt','w').write('still here')\r"));
    await reader.readUntil('>>> ', 5000, 'writing a file');
    await link.write(Buffer.from('\x04'));
    expect(text(await reader.readUntil('>>> ', 10_000, 'soft rebooting'))).toContain('MPY: soft reboot');
    await link.write(Buffer.from("open('kept.txt').read()\r"));
    expect(text(await reader.readUntil('>>> ', 5000, 'reading the file'))).toContain("'still here'");

    const repl = new RawRepl(link);
    const main = new TextEncoder().encode("print('hello from main.py')\n");
    await repl.writeFile('/main.py', main);
    expect(await repl.readFile('/main.py')).toEqual(main);
    const { stdout } = await repl.exec("import os; print(sorted(os.listdir('/')))");
    expect(stdout).toContain("'kept.txt'");
    expect(stdout).toContain("'main.py'");
    await repl.exit();
  });
});
