/**
 * `npm run bench`: runs Kiln's benchmarks, prints a table per benchmark and writes JSON under
 * bench-results/. Speed targets live here, never in tests.
 *   npx tsx bench/index.ts            all rows (about 4–5 minutes on two cores)
 *   npx tsx bench/index.ts --quick    a smoke run: Kiln and esptool-js at 921600, 2 boards in parallel
 *
 * Full run: ESP32 at 115200 / 460800 / 921600 and ESP8266 at 460800, each by Kiln and by esptool-js
 * (the peer client) on identical virtual boards; 4 × 460800 and 8 × 921600 boards in parallel by
 * Kiln, with the process's memory. The 1.05× target applies to Kiln's rows only.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runFlashBench, type FlashBenchPlan, type SingleBoardRun } from './flash-plan';
import { formatFlashTable, formatMemoryTable, formatSideBySide, sideBySide } from './flash-tables';

const TARGET_RATIO = 1.05;
const BUDGET_SECONDS = 6 * 60;

const FULL_SINGLE: SingleBoardRun[] = [
  { chip: 'esp32', baud: 115200 },
  { chip: 'esp32', baud: 460800 },
  { chip: 'esp32', baud: 921600 },
  { chip: 'esp8266', baud: 460800 },
];

const FULL: FlashBenchPlan = {
  kiln: FULL_SINGLE,
  parallel: [
    { chip: 'esp32', boards: 4, baud: 460800 },
    { chip: 'esp32', boards: 8, baud: 921600 },
  ],
  peer: FULL_SINGLE,
  budgetSeconds: BUDGET_SECONDS,
};

const QUICK: FlashBenchPlan = {
  kiln: [{ chip: 'esp32', baud: 921600 }],
  parallel: [{ chip: 'esp32', boards: 2, baud: 921600 }],
  peer: [{ chip: 'esp32', baud: 921600 }],
  budgetSeconds: BUDGET_SECONDS,
};

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const result = await runFlashBench(quick ? QUICK : FULL, (line) => process.stderr.write(`${line}\n`));
  const { rows, notes } = result;
  const out = (text: string): boolean => process.stdout.write(text);

  out(`\nFlash write + verify, 1 MiB firmware-like image, virtual board (1 ms adapter latency)\n\n${formatFlashTable(rows)}\n`);
  const pairs = sideBySide(rows);
  out(`\nSide by side: Kiln vs esptool-js ${result.esptoolJsVersion ?? '(not run)'} on the same virtual link\n\n${formatSideBySide(pairs)}\n`);
  if (rows.some((r) => r.memory)) {
    out(`\nMemory of the bench process around the parallel rows, MiB (no targets)\n\n${formatMemoryTable(rows)}\n`);
    if (rows.some((r) => r.memory && !r.memory.gcForced)) out('(no garbage collection could be forced: before/after include garbage)\n');
  }
  for (const note of notes) out(`\nNote: ${note}\n`);

  // esptool-js's ratios are printed for comparison only; the target is Kiln's.
  const kilnRows = rows.filter((r) => r.client === 'kiln');
  const over = kilnRows.filter((r) => r.ratio > TARGET_RATIO);
  out(
    over.length === 0
      ? `\nAll Kiln runs within ${TARGET_RATIO}× of the wire limit.\n`
      : `\nAbove the ${TARGET_RATIO}× target: ${over.map((r) => r.label).join(', ')}\n`,
  );
  out(`Benchmark time: ${result.totalSeconds.toFixed(0)} s\n`);

  const dir = path.resolve('bench-results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'flash.json');
  const json = {
    date: new Date().toISOString(),
    node: process.version,
    quick,
    targetRatio: TARGET_RATIO,
    esptoolJsVersion: result.esptoolJsVersion,
    budgetSeconds: BUDGET_SECONDS,
    totalSeconds: result.totalSeconds,
    notes,
    rows,
    sideBySide: pairs,
  };
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
  out(`Results written to ${path.relative(process.cwd(), file)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`Benchmark failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
