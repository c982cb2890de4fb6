/**
 * `npm run bench`: the flash benchmark of issues 14 and 15 in one run. Prints the tables, judges
 * each target PASS or FAIL (reported, never asserted: the process fails only if the bench itself
 * breaks) and writes everything to bench-results/flash.json. Speed targets live here, never in tests.
 *   npm run bench               everything (about 5 minutes on two cores)
 *   npm run bench -- --quick    CI-size: 921600 only, the CLI pair at 921600, 1 and 4 boards (about 2 minutes)
 *
 * All rows run on virtual boards with the link model and the flash-timing model on (datasheet
 * erase and program times), side by side with esptool-js over the same virtual link.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runFlashBench, type FlashBenchPlan } from './flash-plan';
import {
  formatBoardsTable,
  formatCompressionTable,
  formatFlashTable,
  formatMemoryTable,
  formatReflashTable,
  formatStubFloorTable,
  formatSideBySide,
  formatTargets,
  formatZopfliSettings,
  judgeTargets,
  sideBySide,
} from './flash-tables';
import { REAL_BUILD_ZLIB9_RATIO } from './micropython-image';

const FULL: FlashBenchPlan = {
  bauds: [115200, 460800, 921600],
  cliBaud: 115200,
  boards: [1, 4, 8],
  boardsBaud: 921600,
  zopfliSettings: [
    { numiterations: 15, blocksplitting: true, blocksplittingmax: 60 },
    { numiterations: 15, blocksplitting: true, blocksplittingmax: 0 },
    { numiterations: 60, blocksplitting: true, blocksplittingmax: 0 },
  ],
};

const QUICK: FlashBenchPlan = { bauds: [921600], cliBaud: 921600, boards: [1, 4], boardsBaud: 921600, zopfliSettings: [] };

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const plan = quick ? QUICK : FULL;
  const result = await runFlashBench(plan, (line) => process.stderr.write(`${line}\n`));
  const out = (text: string): boolean => process.stdout.write(text);

  out('\nImages (MicroPython-shaped, valid for their chip; bench/micropython-image.ts)\n');
  for (const image of result.images) out(`  ${image.chip}: ${image.bytes} bytes at 0x${image.offset.toString(16)}\n`);
  out(`  material: ${result.images[0]?.source ?? '-'}\n`);
  out(`\nCompression (Node zlib level 9 vs the kept zopfli stream)\n\n${formatCompressionTable(result.compression, REAL_BUILD_ZLIB9_RATIO)}\n`);
  if (result.zopfliSettings.length > 0) out(`\nZopfli settings measured\n\n${formatZopfliSettings(result.zopfliSettings)}\n`);
  out(`\nFlash write + verify on the flash-timing model (bound = max(wire limit, model flash))\n\n${formatFlashTable(result.rows)}\n`);
  out(`\nSide by side: Kiln vs esptool-js ${result.esptoolJsVersion} on the same virtual link\n\n${formatSideBySide(sideBySide(result.rows))}\n`);
  out(
    `\nThe stub's own floor: its schedule replayed with no CPU time or latency (bench/stub-floor.ts). It starts an erase at nearly every block while any remain, so the first part of a write is bound by the chip. The last two columns: the best constant block size a host could choose (1–16 KiB) and its floor\n\n${formatStubFloorTable(result.stubFloor)}\n`,
  );
  out(`\nRe-flash of a board that already holds the image\n\n${formatReflashTable(result.reflash)}\n`);
  out(`\nBoards at once (ESP8266 image, ${plan.boardsBaud} baud)\n\n${formatBoardsTable(result.boards)}\n`);
  out(`\nMemory of the bench process around the multi-board rows, MiB (no targets)\n\n${formatMemoryTable(result.boards)}\n`);
  for (const note of result.notes) out(`\nNote: ${note}\n`);

  const targets = judgeTargets(result);
  out(`\nTargets (reported, not asserted)\n\n${formatTargets(targets)}\n`);
  out(`\n${targets.filter((t) => t.pass).length} of ${targets.length} targets met. Benchmark time: ${result.totalSeconds.toFixed(0)} s${quick ? ' (--quick)' : ''}\n`);

  const dir = path.resolve('bench-results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'flash.json');
  const json = { date: new Date().toISOString(), node: process.version, quick, plan, ...result, sideBySide: sideBySide(result.rows), targets };
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
  out(`Results written to ${path.relative(process.cwd(), file)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
