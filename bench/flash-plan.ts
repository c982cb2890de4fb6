/**
 * One flash benchmark run: which rows run, in what order, and the figures the tables and targets
 * need. The 115200 rows (Kiln and esptool-js, both images, and the CLI's write / re-flash pair)
 * are the long ones; they run at the same time, each on its own virtual board and link, so the
 * full run stays within minutes (at 115200 a board costs the host almost no CPU; the notes say so).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { deflateSync } from 'node:zlib';
import { CompressedStreamStore } from '../electron/firmware/compressed-streams';
import { DEFAULT_ZOPFLI_SETTINGS, zopfliCompress, type ZopfliSettings } from '../electron/firmware/zopfli';
import { padToWord } from '../electron/esp/operations/regions';
import { loadEsptoolJs } from './esptool-js-bundle';
import { benchEsptoolJs } from './esptool-js-flash';
import { benchCli, benchKiln, benchKilnParallel, type FlashBenchRow } from './flash-bench';
import type { CompressionFigures, ReflashPair, StubFloorRow, ZopfliSettingRow } from './flash-tables';
import { bestBlockSizeFloor, legacyStubFloorSeconds } from './stub-floor';
import { flashTimesFor } from '../electron/virtual-board/hardware/flash-timing';
import { BOARD_JEDEC_ID } from './flash-bench';
import { esp32Image, esp8266Image, type BenchImage } from './micropython-image';

export interface FlashBenchPlan {
  /** Bauds of the single-board rows (Kiln with its kept stream, and esptool-js), both images. */
  bauds: number[];
  /** Baud of the CLI's write / re-flash pair (ESP8266 image). */
  cliBaud: number;
  /** Board counts at once at `boardsBaud` (ESP8266 image); the largest is also re-imaged. */
  boards: number[];
  boardsBaud: number;
  /** Zopfli settings to measure on the ESP8266 image (besides Kiln's default). */
  zopfliSettings: ZopfliSettings[];
}

export interface FlashBenchResult {
  images: { chip: string; bytes: number; offset: number; source: string }[];
  rows: FlashBenchRow[];
  compression: CompressionFigures[];
  zopfliSettings: ZopfliSettingRow[];
  reflash: ReflashPair[];
  boards: FlashBenchRow[];
  /** Kiln's single-board rows against the legacy stub's own floor (stub-floor.ts). */
  stubFloor: StubFloorRow[];
  notes: string[];
  esptoolJsVersion: string;
  totalSeconds: number;
}

const CACHE_DIR = path.resolve('bench-results', '.cache');

/** The kept zopfli stream of an image, from the bench's own store (as Kiln keeps it beside the firmware); made and timed when missing. */
async function zopfliStreamOf(image: BenchImage, store: CompressedStreamStore): Promise<{ stream: Uint8Array; seconds: number | null }> {
  const bytes = padToWord(image.bytes);
  const kept = await store.get(bytes);
  if (kept) return { stream: kept, seconds: null };
  const started = performance.now();
  await store.prepare(bytes);
  const seconds = (performance.now() - started) / 1000;
  const made = await store.get(bytes);
  if (!made) throw new Error(`zopfli made no stream for the ${image.chip} image`);
  return { stream: made, seconds };
}

const describeSetting = (s: ZopfliSettings): string => `${s.numiterations} iterations, ${s.blocksplitting ? `split into ≤ ${s.blocksplittingmax === 0 ? '∞' : s.blocksplittingmax} blocks` : 'one block'}`;

export async function runFlashBench(plan: FlashBenchPlan, log: (line: string) => void = () => {}): Promise<FlashBenchResult> {
  const startedAt = performance.now();
  const elapsed = (): number => (performance.now() - startedAt) / 1000;
  const notes: string[] = [];
  const images = [esp8266Image(), esp32Image()];
  const [esp8266] = images as [BenchImage, BenchImage];
  const esptool = await loadEsptoolJs();

  log('compression: zopfli streams (kept in bench-results/.cache/streams, as Kiln keeps them beside the firmware)...');
  const store = new CompressedStreamStore({ dir: path.join(CACHE_DIR, 'streams'), quickCompress: null, onWarning: (message) => notes.push(message) });
  const streams = new Map<BenchImage, Uint8Array>();
  const compression: CompressionFigures[] = [];
  for (const image of images) {
    const { stream, seconds } = await zopfliStreamOf(image, store);
    streams.set(image, stream);
    compression.push({ chip: image.chip, imageBytes: image.bytes.length, zlib9Bytes: deflateSync(padToWord(image.bytes), { level: 9 }).length, zopfliBytes: stream.length, zopfliSeconds: seconds, esptoolJsBytes: null });
  }
  const zopfliSettings: ZopfliSettingRow[] = [];
  const zlib9Esp8266 = compression[0]!.zlib9Bytes;
  for (const settings of plan.zopfliSettings) {
    log(`compression: zopfli ${describeSetting(settings)} on the ESP8266 image...`);
    const started = performance.now();
    const bytes = (await zopfliCompress(padToWord(esp8266.bytes), settings)).length;
    zopfliSettings.push({ setting: describeSetting(settings), bytes, zlib9Bytes: zlib9Esp8266, seconds: (performance.now() - started) / 1000 });
  }
  if (plan.zopfliSettings.length > 0) notes.push(`Kiln's zopfli setting: ${describeSetting(DEFAULT_ZOPFLI_SETTINGS)}.`);

  const rows: FlashBenchRow[] = [];
  const reflash: ReflashPair[] = [];
  const cacheFile = path.join(CACHE_DIR, 'esp8266-micropython-shaped.bin');
  await mkdir(CACHE_DIR, { recursive: true });
  await writeFile(cacheFile, esp8266.bytes);

  const single = async (baud: number): Promise<FlashBenchRow[]> => {
    const out: FlashBenchRow[] = [];
    for (const image of images) {
      log(`flash: Kiln, ${image.chip} at ${baud} baud...`);
      out.push(await benchKiln(image, baud, { stream: streams.get(image)! }));
      log(`flash: esptool-js ${esptool.version}, ${image.chip} at ${baud} baud...`);
      out.push(await benchEsptoolJs(esptool.module, image, baud));
    }
    return out;
  };
  const slow = plan.bauds.filter((baud) => baud <= 115200);
  const fast = plan.bauds.filter((baud) => baud > 115200);

  // The long rows together: every 115200 row on its own board, and the CLI pair.
  const cliRun = (async () => {
    log(`flash: the kiln CLI, write then re-flash, ESP8266 at ${plan.cliBaud} baud...`);
    return benchCli(esp8266, plan.cliBaud, cacheFile);
  })();
  const slowRuns = slow.flatMap((baud) =>
    images.flatMap((image) => [
      (async () => {
        log(`flash: Kiln, ${image.chip} at ${baud} baud (alongside the other ${baud} rows)...`);
        return benchKiln(image, baud, { stream: streams.get(image)! });
      })(),
      (async () => {
        log(`flash: esptool-js ${esptool.version}, ${image.chip} at ${baud} baud (alongside)...`);
        return benchEsptoolJs(esptool.module, image, baud);
      })(),
    ]),
  );
  const groupStarted = performance.now();
  const [cli, slowRows] = await Promise.all([cliRun, Promise.all(slowRuns)]);
  if (slowRuns.length > 0) {
    const inARow = [...slowRows, cli.write, cli.reflash].reduce((sum, row) => sum + row.seconds, 0);
    notes.push(
      `The ${slow.join(', ')} baud rows and the CLI pair ran at the same time, each on its own virtual board and link: ` +
        `${((performance.now() - groupStarted) / 1000).toFixed(0)} s instead of ${inARow.toFixed(0)} s in a row.`,
    );
  }
  rows.push(...slowRows);
  for (const baud of fast) rows.push(...(await single(baud)));

  log(`flash: Kiln with zlib 9 (no kept stream yet), ESP8266 at ${plan.boardsBaud} baud...`);
  rows.push(await benchKiln(esp8266, plan.boardsBaud, { stream: null }));
  log(`flash: Kiln, re-flash of an ESP8266 holding the image at ${plan.boardsBaud} baud...`);
  const inProcessReflash = await benchKiln(esp8266, plan.boardsBaud, { stream: streams.get(esp8266)!, reflash: true });
  rows.push(inProcessReflash);
  const inProcessFull = rows.find((r) => r.client === 'kiln' && r.chip === 'esp8266' && r.baud === plan.boardsBaud && r.kind === 'write' && r.compression === 'zopfli');
  if (inProcessFull) reflash.push({ what: `engine, ESP8266 ${plan.boardsBaud}`, full: inProcessFull, reflash: inProcessReflash });
  rows.push(cli.write, cli.reflash);
  reflash.push({ what: `kiln write_flash command, ESP8266 ${plan.cliBaud}`, full: cli.write, reflash: cli.reflash });

  const boards: FlashBenchRow[] = [];
  for (const count of plan.boards) {
    log(`flash: Kiln, ${count} × ESP8266 at ${plan.boardsBaud} baud at once...`);
    boards.push(await benchKilnParallel(esp8266, count, plan.boardsBaud, { stream: streams.get(esp8266)! }));
  }
  const most = Math.max(...plan.boards);
  log(`flash: Kiln, re-imaging ${most} × ESP8266 already holding the image...`);
  boards.push(await benchKilnParallel(esp8266, most, plan.boardsBaud, { stream: streams.get(esp8266)!, reflash: true }));

  const stubFloor: StubFloorRow[] = [];
  for (const row of rows.filter((r) => r.client === 'kiln' && r.kind === 'write' && r.compression === 'zopfli' && r.boards === 1)) {
    const image = images.find((i) => i.chip === row.chip)!;
    const input = { offset: image.offset, imageBytes: padToWord(image.bytes).length, stream: streams.get(image)!, baud: row.baud, times: flashTimesFor(BOARD_JEDEC_ID) };
    const floorSeconds = legacyStubFloorSeconds({ ...input, blockSize: 0x4000 });
    const best = bestBlockSizeFloor(input);
    stubFloor.push({ row, floorSeconds, bestFloorSeconds: best.seconds, bestBlockSize: best.blockSize });
  }

  for (const figures of compression) figures.esptoolJsBytes = rows.find((r) => r.client === 'esptool-js' && r.chip === figures.chip)?.sentBytes ?? null;
  return {
    images: images.map((image) => ({ chip: image.chip, bytes: image.bytes.length, offset: image.offset, source: image.source })),
    rows,
    compression,
    zopfliSettings,
    reflash,
    boards,
    stubFloor,
    notes,
    esptoolJsVersion: esptool.version,
    totalSeconds: elapsed(),
  };
}
