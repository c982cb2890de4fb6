import { createHash, randomBytes } from 'node:crypto';
import { ESPLoader, Transport } from 'esptool-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { VirtualBoardImpl } from '../../../../electron/virtual-board/board';
import { createVirtualBoardImpl } from '../../../../electron/virtual-board/index';
import { WebSerialOverLink } from '../../../../electron/virtual-board/access/web-serial-adapter';

/**
 * esptool-js 0.6.1, unmodified, against the virtual board: reset into the bootloader through
 * DTR/RTS, detect, upload its stub, change baud, write compressed, verify by MD5, read back.
 * An independent client, so the board is not only shaped by Kiln's own engine.
 */

let board: VirtualBoardImpl | null = null;
afterEach(async () => {
  await board?.close();
  board = null;
});

const quietTerminal = { clean: () => undefined, writeLine: () => undefined, write: () => undefined };

describe.each(['esp8266', 'esp32'] as const)('esptool-js against a virtual %s', (chip) => {
  it('connects with its default reset, flashes, verifies and reads back', async () => {
    board = await createVirtualBoardImpl({ chip, linkModel: { latencyMs: 1 } });
    const port = new WebSerialOverLink(board.connect());
    const transport = new Transport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
    // It syncs at 115200 (its ROM baud), then asks the stub for 460800.
    const loader = new ESPLoader({ transport, baudrate: 460800, terminal: quietTerminal });

    const description = await loader.main('default_reset');
    expect(description).toMatch(chip === 'esp8266' ? /ESP8266/ : /ESP32/);
    expect(board.state).toBe('download-stub');

    const image = new Uint8Array(randomBytes(48 * 1024));
    await loader.writeFlash({
      fileArray: [{ data: image, address: 0x10000 }],
      flashMode: 'keep',
      flashFreq: 'keep',
      flashSize: 'keep',
      eraseAll: false,
      compress: true,
    });
    expect(Buffer.from(board.readFlash(0x10000, image.length)).equals(Buffer.from(image))).toBe(true);
    expect(await loader.flashMd5sum(0x10000, image.length)).toBe(createHash('md5').update(image).digest('hex'));
    const back = await loader.readFlash(0x10000, 8192);
    expect(Buffer.from(back).equals(Buffer.from(image.subarray(0, 8192)))).toBe(true);
  }, 60000);
});
