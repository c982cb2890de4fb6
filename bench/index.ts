/**
 * `npm run bench`: runs Kiln's benchmarks, prints a table per benchmark and writes JSON under
 * bench-results/. Speed targets live here, never in tests.
 *   npx tsx bench/index.ts            all rows
 *   npx tsx bench/index.ts --quick    460800 only, no parallel row (a smoke run)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatFlashTable, runFlashBench } from './flash-bench';

const TARGET_RATIO = 1.05;

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const rows = await runFlashBench({
    ...(quick ? { bauds: [460800], parallel: null } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`\nFlash write + verify, 1 MiB firmware-like image, virtual board (1 ms adapter latency)\n\n${formatFlashTable(rows)}\n`);
  const over = rows.filter((r) => r.ratio > TARGET_RATIO);
  process.stdout.write(over.length === 0 ? `\nAll runs within ${TARGET_RATIO}× of the wire limit.\n` : `\nAbove the ${TARGET_RATIO}× target: ${over.map((r) => r.label).join(', ')}\n`);
  const dir = path.resolve('bench-results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'flash.json');
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, targetRatio: TARGET_RATIO, rows }, null, 2)}\n`);
  process.stdout.write(`Results written to ${path.relative(process.cwd(), file)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`Benchmark failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
