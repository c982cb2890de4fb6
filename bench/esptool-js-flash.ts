/**
 * The peer row: esptool-js (the pinned npm package, unmodified) flashes the same image to an
 * identical virtual board over the same link model, through the Web Serial adapter. It is driven
 * the way its own documentation shows: Transport + ESPLoader, main() (reset, detect, stub, baud
 * change, flash id), then writeFlash() with compression and its MD5 check. Only writeFlash() is
 * timed, as Kiln's rows time write + verify after the stub and baud change.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { WebSerialOverLink } from '../electron/virtual-board/access/web-serial-adapter';
import type { EsptoolJsModule } from './esptool-js-bundle';
import { benchBoard, toRow, type FlashBenchRow } from './flash-bench';
import type { BenchImage } from './micropython-image';

const quietTerminal = { clean: () => undefined, writeLine: () => undefined, write: () => undefined };

type PortArgument<E extends EsptoolJsModule> = ConstructorParameters<E['Transport']>[0];

export async function benchEsptoolJs(esptool: EsptoolJsModule, image: BenchImage, baud: number): Promise<FlashBenchRow> {
  const board = await benchBoard(image.chip);
  const port = new WebSerialOverLink(board.connect());
  const transport = new esptool.Transport(port as unknown as PortArgument<EsptoolJsModule>, false);
  // Its read loop reports a closed port through console.log even with tracing off; the bench's
  // stdout is for the tables, so those lines are dropped (failures still surface as rejections).
  transport.trace = () => undefined;
  const loader = new esptool.ESPLoader({ transport, baudrate: baud, terminal: quietTerminal });
  try {
    await loader.main('default_reset');
    let compressedBytes = 0;
    let md5Asked = false;
    const before = { ...board.stats };
    const started = performance.now();
    await loader.writeFlash({
      fileArray: [{ data: image.bytes, address: image.offset }],
      flashMode: 'keep',
      flashFreq: 'keep',
      flashSize: 'keep',
      eraseAll: false,
      compress: true,
      // esptool-js verifies only when given an MD5 function; it then compares with the board's.
      calculateMD5Hash: (data) => {
        md5Asked = true;
        return createHash('md5').update(data).digest('hex');
      },
      reportProgress: (_file, _written, total) => {
        compressedBytes = total;
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const after = { ...board.stats };
    if (!md5Asked) throw new Error('esptool-js did not verify the benchmark write (its MD5 check never ran)');
    const run = {
      hostToBoard: after.hostToBoard - before.hostToBoard,
      boardToHost: after.boardToHost - before.boardToHost,
      seconds,
      sentBytes: compressedBytes,
      unchangedBytes: 0,
    };
    return toRow({ label: `${image.chip} ${baud}`, client: 'esptool-js', compression: 'esptool-js', kind: 'write', baud }, image, [run], seconds);
  } finally {
    await transport.disconnect().catch(() => undefined);
    await board.close();
  }
}
