/**
 * Flash benchmark: how close Kiln's write + verify comes to the wire limit. A 1 MiB firmware-like
 * image goes to a virtual board through its link model (10 bits per byte at the baud, 1 ms adapter
 * latency each way). The board starts at 115200 baud; the stub is uploaded and the baud changed
 * before the measured phase, which covers writing (compressed) and the MD5 verify.
 *
 *   wire limit = bytes on the wire (both directions) × 10 / baud
 *   ratio      = wall time / wire limit        (target ≤ 1.05)
 */
import { performance } from 'node:perf_hooks';
import type { ChipFamily } from '../shared/chips';
import { openSession, type EspSession } from '../electron/esp/session';
import { writeFlash } from '../electron/esp/operations';
import { createVirtualBoard, type VirtualBoard } from '../electron/virtual-board';
import { firmwareLikeImage } from './firmware-like';

export interface FlashBenchRun {
  chip: ChipFamily;
  baud: number;
  hostToBoard: number;
  boardToHost: number;
  seconds: number;
}

export interface FlashBenchRow {
  label: string;
  chip: ChipFamily;
  baud: number;
  boards: number;
  imageBytes: number;
  compressedBytes: number;
  /** Summed over all boards of the row. */
  wireBytes: number;
  /** Wall time of the measured phase (for a parallel row: until the last board finished). */
  seconds: number;
  /** Wire limit of one board's traffic (boards run on separate wires). */
  wireLimitSeconds: number;
  ratio: number;
  throughputKiBs: number;
}

export const IMAGE_BYTES = 1 << 20;
const WRITE_OFFSET = 0x10000;
const LATENCY_MS = 1;

interface Prepared {
  board: VirtualBoard;
  session: EspSession;
  chip: ChipFamily;
  baud: number;
}

type MeasuredRun = FlashBenchRun & { compressedBytes: number };

/** Connect, upload the stub, change baud, read the flash id: not measured. */
async function prepare(chip: ChipFamily, baud: number): Promise<Prepared> {
  const board = await createVirtualBoard({ chip, flashSize: 4 << 20, linkModel: { latencyMs: LATENCY_MS } });
  const session = await openSession(board.connect(), { baudRate: baud });
  await session.flashInfo();
  return { board, session, chip, baud };
}

/** Write + verify: measured, with the bytes the board saw each way. */
async function measure(prepared: Prepared, image: Uint8Array): Promise<MeasuredRun> {
  const { board, session } = prepared;
  try {
    const before = { ...board.stats };
    const started = performance.now();
    const result = await writeFlash(session, [{ offset: WRITE_OFFSET, data: image }], { verify: true });
    const seconds = (performance.now() - started) / 1000;
    const after = { ...board.stats };
    if (!result.regions.every((r) => r.verified)) throw new Error('benchmark write was not verified');
    return {
      chip: prepared.chip,
      baud: prepared.baud,
      hostToBoard: after.hostToBoard - before.hostToBoard,
      boardToHost: after.boardToHost - before.boardToHost,
      seconds,
      compressedBytes: result.regions[0]!.sentBytes,
    };
  } finally {
    await session.close('no-reset');
    await board.close();
  }
}

function row(label: string, runs: MeasuredRun[], wallSeconds: number): FlashBenchRow {
  const first = runs[0]!;
  const wireBytes = runs.reduce((sum, r) => sum + r.hostToBoard + r.boardToHost, 0);
  const perBoardWire = Math.max(...runs.map((r) => r.hostToBoard + r.boardToHost));
  const wireLimitSeconds = (perBoardWire * 10) / first.baud;
  return {
    label,
    chip: first.chip,
    baud: first.baud,
    boards: runs.length,
    imageBytes: IMAGE_BYTES,
    compressedBytes: first.compressedBytes,
    wireBytes,
    seconds: wallSeconds,
    wireLimitSeconds,
    ratio: wallSeconds / wireLimitSeconds,
    throughputKiBs: (IMAGE_BYTES * runs.length) / 1024 / wallSeconds,
  };
}

export interface FlashBenchOptions {
  bauds?: number[];
  parallel?: { boards: number; baud: number } | null;
  chip?: ChipFamily;
  log?: (line: string) => void;
}

export async function runFlashBench(options: FlashBenchOptions = {}): Promise<FlashBenchRow[]> {
  const chip = options.chip ?? 'esp32';
  const log = options.log ?? (() => {});
  const image = firmwareLikeImage(IMAGE_BYTES);
  const rows: FlashBenchRow[] = [];
  for (const baud of options.bauds ?? [115200, 460800, 921600]) {
    log(`flash: ${chip} at ${baud} baud...`);
    const run = await measure(await prepare(chip, baud), image);
    rows.push(row(`${chip} ${baud}`, [run], run.seconds));
  }
  const parallel = options.parallel === undefined ? { boards: 4, baud: 460800 } : options.parallel;
  if (parallel) {
    log(`flash: ${parallel.boards} × ${chip} at ${parallel.baud} baud in parallel...`);
    const boards = await Promise.all(Array.from({ length: parallel.boards }, () => prepare(chip, parallel.baud)));
    // All boards start writing together; the row's time runs until the last one has verified.
    const started = performance.now();
    const runs = await Promise.all(boards.map((b) => measure(b, image)));
    rows.push(row(`${parallel.boards} × ${chip} ${parallel.baud} (parallel)`, runs, (performance.now() - started) / 1000));
  }
  return rows;
}

export function formatFlashTable(rows: FlashBenchRow[]): string {
  const header = ['run', 'image', 'sent (deflated)', 'wire bytes', 'time s', 'wire limit s', 'ratio', 'KiB/s'];
  const lines = rows.map((r) => [
    r.label,
    `${(r.imageBytes / 1024).toFixed(0)} KiB`,
    `${(r.compressedBytes / 1024).toFixed(0)} KiB`,
    String(r.wireBytes),
    r.seconds.toFixed(2),
    r.wireLimitSeconds.toFixed(2),
    `${r.ratio.toFixed(3)}×`,
    r.throughputKiBs.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}
