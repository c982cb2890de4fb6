/**
 * Serves a virtual board on a pty until interrupted:
 *
 *   npx tsx electron/entries/virtual-board-pty.ts --chip esp8266 --flash-size 4MB \
 *       [--flash-file board.bin] [--boot download|run] [--latency-ms 1] [--flash-timing real|instant|0.01]
 *       [--name "Desk ESP"] [--link /tmp/esp]
 *
 * Prints the host-side pty path; point esptool, minicom or mpremote at it. A pty has no DTR/RTS,
 * so tools must not try to reset the board (esptool: --before no_reset); --boot decides what a
 * power-on starts: the serial loader by default (so the first flashing command finds it), or with
 * --boot run the firmware in flash. Asked to run its program, it runs MicroPython if that is in flash.
 * Erases and writes take as long as on a real flash chip unless --flash-timing says otherwise.
 */
import { parseArgs } from 'node:util';
import { isChipFamily } from '../../shared/types/chips';
import { parseSize } from '../../shared/format';
import { createVirtualBoardImpl } from '../virtual-board/index';
import { exposeOnPty } from '../virtual-board/access/pty-bridge';
import { microPythonOnDemand } from '../virtual-board/micropython/on-demand';

const USAGE =
  'Usage: npx tsx electron/entries/virtual-board-pty.ts --chip <esp8266|esp32|esp32c3|esp32s2|esp32s3> ' +
  '[--flash-size 4MB] [--flash-file board.bin] [--boot download|run] [--latency-ms 1] [--flash-timing real|instant|SCALE] [--name NAME] [--link PATH]';

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        chip: { type: 'string' },
        'flash-size': { type: 'string', default: '4MB' },
        'flash-file': { type: 'string' },
        boot: { type: 'string', default: 'download' },
        'latency-ms': { type: 'string', default: '1' },
        'flash-timing': { type: 'string', default: 'real' },
        name: { type: 'string' },
        link: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const chip = values.chip;
  if (!chip || !isChipFamily(chip)) fail(`--chip must be one of esp8266, esp32, esp32c3, esp32s2, esp32s3 (got ${chip ?? 'nothing'}).`);
  const flashSize = parseSize(values['flash-size']);
  if (flashSize === null) fail(`--flash-size "${values['flash-size']}" is not a size; write it like 4MB or 0x400000.`);
  const boot = values.boot;
  if (boot !== 'download' && boot !== 'run') fail(`--boot must be "download" or "run" (got ${boot}).`);
  const latencyMs = Number(values['latency-ms']);
  if (!Number.isFinite(latencyMs) || latencyMs < 0) fail(`--latency-ms must be a number of milliseconds >= 0 (got ${values['latency-ms']}).`);

  const timingText = values['flash-timing'];
  const flashTiming = timingText === 'real' || timingText === 'instant' ? timingText : Number(timingText);
  if (typeof flashTiming === 'number' && (!Number.isFinite(flashTiming) || flashTiming < 0)) {
    fail(`--flash-timing must be real, instant or a scale >= 0 such as 0.01 (got ${timingText}).`);
  }

  let board;
  try {
    board = await createVirtualBoardImpl({
      chip,
      flashSize,
      flashFile: values['flash-file'],
      bootMode: boot,
      name: values.name,
      modemLines: false,
      linkModel: { latencyMs },
      flashTiming,
      runtime: microPythonOnDemand,
    });
  } catch (error) {
    fail((error as Error).message);
  }

  let bridge;
  try {
    bridge = await exposeOnPty(board, { hostPath: values.link });
  } catch (error) {
    await board.close();
    console.error((error as Error).message);
    process.exit(1);
  }

  console.log(`${board.name} (${chip}, ${flashSize / 1024 / 1024} MB flash, boots to ${boot === 'download' ? 'download mode' : 'the app'}) is on:`);
  console.log(bridge.hostPath);
  console.log('Press Ctrl+C to stop.');

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await bridge.close();
    await board.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

void main();
