import { afterEach, describe, expect, it } from 'vitest';
import type { Link } from '../../../../electron/serial/link';
import type { VirtualBoardImpl } from '../../../../electron/virtual-board/board';
import { buildDemoFirmware } from '../../../../electron/virtual-board/demo-firmware';
import { createVirtualBoardImpl } from '../../../../electron/virtual-board/index';
import { createMicroPythonRuntime } from '../../../../electron/virtual-board/micropython';
import { Host, OP, u32 } from '../../../unit/electron/virtual-board/helpers/host';

/** A virtual board running the real MicroPython runtime after a reset into a MicroPython image. */

let board: VirtualBoardImpl | null = null;
afterEach(async () => {
  await board?.close();
  board = null;
});

async function until(link: Link, text: string, ms = 20000): Promise<string> {
  let seen = '';
  const end = Date.now() + ms;
  while (!seen.includes(text)) {
    if (Date.now() > end) throw new Error(`"${text}" did not appear; got ${JSON.stringify(seen.slice(-200))}`);
    seen += Buffer.from(await link.read(200)).toString('latin1');
  }
  return seen;
}

describe('MicroPython on the virtual board', () => {
  it('boots to the REPL with the version from the image, and its files live in flash', async () => {
    // The whole-chip erase takes 10 s in real time; a hundredth keeps the test quick.
    board = await createVirtualBoardImpl({ chip: 'esp32', runtime: createMicroPythonRuntime, name: 'Demo ESP32', flashTiming: 0.01 });
    const fw = buildDemoFirmware('esp32', { version: 'v1.24.1' });
    board.writeFlashRaw(fw.offset, fw.data);
    const link = board.connect();
    expect(await until(link, '>>> ')).toContain('MicroPython v1.24.1');

    await link.write(new TextEncoder().encode('print(6*7)\r'));
    expect(await until(link, '>>> ')).toContain('42');

    await link.write(new TextEncoder().encode("f=open('hello.txt','w');f.write('kiln');f.close()\r"));
    await until(link, '>>> ');
    board.pressReset(); // runtime stops; a new one boots from the same flash
    await until(link, '>>> ');
    await link.write(new TextEncoder().encode("print(open('hello.txt').read())\r"));
    expect(await until(link, '>>> ')).toContain('kiln');

    // Into the ROM, erase the chip with the stub, back to run mode: nothing to boot any more.
    board.pressReset({ holdBoot: true });
    const host = new Host(link);
    await host.sync();
    await host.uploadStub('esp32');
    await host.packet(500);
    await host.command(OP.ERASE_FLASH, new Uint8Array(0), 0, 5000);
    await host.command(OP.FLASH_BEGIN, u32(0, 0, 0x4000, 0));
    await host.command(OP.FLASH_END, u32(0)); // reboot; IO0 is high now
    expect(board.state).toBe('boot-failed');
  }, 60000);
});
