/**
 * Which flash rows run, in what order, within the time budget. Kiln's rows always run; the peer
 * (esptool-js) rows run after them, fastest first, and each only if the run is still expected to
 * end within the budget, so on a slow machine the long 115200 peer row is the one left out, with a
 * note saying so.
 */
import { performance } from 'node:perf_hooks';
import type { ChipFamily } from '../shared/types/chips';
import { loadEsptoolJs } from './esptool-js-bundle';
import { benchEsptoolJs } from './esptool-js-flash';
import { firmwareLikeImage } from './firmware-like';
import { benchKiln, benchKilnParallel, IMAGE_BYTES, type FlashBenchRow } from './flash-bench';

export interface SingleBoardRun {
  chip: ChipFamily;
  baud: number;
}

export interface FlashBenchPlan {
  /** One board each, Kiln's engine. */
  kiln: SingleBoardRun[];
  /** Many boards at once, Kiln's engine, memory watched. */
  parallel: { chip: ChipFamily; boards: number; baud: number }[];
  /** One board each, esptool-js; run only while they fit the budget. */
  peer: SingleBoardRun[];
  /** Whole benchmark, seconds. */
  budgetSeconds: number;
}

export interface FlashBenchResult {
  rows: FlashBenchRow[];
  /** Rows left out, and why (printed and kept in the JSON). */
  notes: string[];
  esptoolJsVersion: string | null;
  totalSeconds: number;
}

/** Before any peer row has run: assume it is this much slower than Kiln's row at the same baud... */
const DEFAULT_PEER_FACTOR = 1.2;
/** ...and needs this long for reset, stub upload and baud change (unmeasured, but on the clock). */
const DEFAULT_PEER_SETUP_SECONDS = 5;

/** How long Kiln took (or would take) for one board at this chip and baud. */
function kilnSecondsAt(rows: FlashBenchRow[], chip: ChipFamily, baud: number): number {
  const kilnRows = rows.filter((r) => r.client === 'kiln' && r.boards === 1);
  const same = kilnRows.find((r) => r.chip === chip && r.baud === baud);
  if (same) return same.seconds;
  // Scale another row's time by baud: the wire dominates; failing that, the uncompressed image's wire time.
  const other = kilnRows[0];
  return other ? (other.seconds * other.baud) / baud : (IMAGE_BYTES * 10) / baud;
}

export async function runFlashBench(plan: FlashBenchPlan, log: (line: string) => void = () => {}): Promise<FlashBenchResult> {
  const startedAt = performance.now();
  const elapsed = (): number => (performance.now() - startedAt) / 1000;
  const image = firmwareLikeImage(IMAGE_BYTES);
  const rows: FlashBenchRow[] = [];
  const notes: string[] = [];

  for (const { chip, baud } of plan.kiln) {
    log(`flash: Kiln, ${chip} at ${baud} baud...`);
    rows.push(await benchKiln(chip, baud, image));
  }
  for (const { chip, boards, baud } of plan.parallel) {
    log(`flash: Kiln, ${boards} × ${chip} at ${baud} baud in parallel...`);
    rows.push(await benchKilnParallel(chip, boards, baud, image));
  }

  let esptoolJsVersion: string | null = null;
  if (plan.peer.length > 0) {
    const esptool = await loadEsptoolJs();
    esptoolJsVersion = esptool.version;
    // What the peer rows so far took, next to Kiln's at the same chip and baud: the estimate's basis.
    const factors: number[] = [];
    const setups: number[] = [];
    for (const { chip, baud } of [...plan.peer].sort((a, b) => b.baud - a.baud)) {
      const kilnRow = rows.find((r) => r.client === 'kiln' && r.boards === 1 && r.chip === chip && r.baud === baud);
      const factor = factors.length > 0 ? Math.max(...factors) : DEFAULT_PEER_FACTOR;
      const setup = setups.length > 0 ? Math.max(...setups) : DEFAULT_PEER_SETUP_SECONDS;
      const estimate = kilnSecondsAt(rows, chip, baud) * factor + setup;
      if (elapsed() + estimate > plan.budgetSeconds) {
        notes.push(
          `esptool-js ${chip} ${baud} skipped: about ${estimate.toFixed(0)} s more would take the run past its ` +
            `${plan.budgetSeconds.toFixed(0)} s budget (${elapsed().toFixed(0)} s used).`,
        );
        continue;
      }
      log(`flash: esptool-js ${esptool.version}, ${chip} at ${baud} baud...`);
      const rowStarted = performance.now();
      const row = await benchEsptoolJs(esptool.module, chip, baud, image);
      rows.push(row);
      setups.push((performance.now() - rowStarted) / 1000 - row.seconds);
      if (kilnRow) factors.push(row.seconds / kilnRow.seconds);
    }
  }
  return { rows, notes, esptoolJsVersion, totalSeconds: elapsed() };
}
