/**
 * Flash benchmark: how close a client's write + verify comes to the wire limit. A 1 MiB firmware-like
 * image goes to a virtual board through its link model (10 bits per byte at the baud, 1 ms adapter
 * latency each way). The board starts at 115200 baud; the stub is uploaded and the baud changed
 * before the measured phase, which covers writing (compressed) and the MD5 verify.
 *
 *   wire limit = bytes on the wire (both directions) × 10 / baud
 *   ratio      = wall time / wire limit        (target ≤ 1.05 for Kiln)
 *
 * This file holds the row shape shared by every client and Kiln's own runs (one board, or many in
 * parallel with the process's memory watched); esptool-js-flash.ts runs the peer client.
 */
import { performance } from 'node:perf_hooks';
import type { ChipFamily } from '../shared/types/chips';
import { openSession, type EspSession } from '../electron/esp/session';
import { writeFlash } from '../electron/esp/operations';
import { createVirtualBoard, type VirtualBoard } from '../electron/virtual-board';
import { watchMemory, type MemoryReport } from './memory';

export type FlashClient = 'kiln' | 'esptool-js';

export interface FlashBenchRun {
  chip: ChipFamily;
  baud: number;
  hostToBoard: number;
  boardToHost: number;
  seconds: number;
  /** Bytes of the image after the client's own compression. */
  compressedBytes: number;
}

export interface FlashBenchRow {
  label: string;
  client: FlashClient;
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
  /** Multi-board rows only: the process's memory around the row. */
  memory?: MemoryReport;
}

export const IMAGE_BYTES = 1 << 20;
export const WRITE_OFFSET = 0x10000;
export const BOARD_FLASH_BYTES = 4 << 20;
export const LATENCY_MS = 1;

/** The same board for every client: same chip model, flash, link model. */
export function benchBoard(chip: ChipFamily): Promise<VirtualBoard> {
  return createVirtualBoard({ chip, flashSize: BOARD_FLASH_BYTES, linkModel: { latencyMs: LATENCY_MS } });
}

interface Prepared {
  board: VirtualBoard;
  session: EspSession;
  chip: ChipFamily;
  baud: number;
}

/** Connect, upload the stub, change baud, read the flash id: not measured. */
async function prepare(chip: ChipFamily, baud: number): Promise<Prepared> {
  const board = await benchBoard(chip);
  const session = await openSession(board.connect(), { baudRate: baud });
  await session.flashInfo();
  return { board, session, chip, baud };
}

async function release(prepared: Prepared): Promise<void> {
  await prepared.session.close('no-reset');
  await prepared.board.close();
}

/** Write + verify: measured, with the bytes the board saw each way. The board stays connected. */
async function measure(prepared: Prepared, image: Uint8Array): Promise<FlashBenchRun> {
  const { board, session } = prepared;
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
}

export function toRow(label: string, client: FlashClient, runs: FlashBenchRun[], wallSeconds: number): FlashBenchRow {
  const first = runs[0]!;
  const wireBytes = runs.reduce((sum, r) => sum + r.hostToBoard + r.boardToHost, 0);
  const perBoardWire = Math.max(...runs.map((r) => r.hostToBoard + r.boardToHost));
  const wireLimitSeconds = (perBoardWire * 10) / first.baud;
  return {
    label,
    client,
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

/** One board, Kiln's engine. */
export async function benchKiln(chip: ChipFamily, baud: number, image: Uint8Array): Promise<FlashBenchRow> {
  const prepared = await prepare(chip, baud);
  try {
    const run = await measure(prepared, image);
    return toRow(`${chip} ${baud}`, 'kiln', [run], run.seconds);
  } finally {
    await release(prepared);
  }
}

/** Classroom mode: `boards` boards flashed at once by Kiln's engine, with the process's memory watched. */
export async function benchKilnParallel(chip: ChipFamily, boards: number, baud: number, image: Uint8Array): Promise<FlashBenchRow> {
  const memory = await watchMemory(boards);
  const settled = await Promise.allSettled(Array.from({ length: boards }, () => prepare(chip, baud)));
  const prepared = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    // All boards start writing together; the row's time runs until the last one has verified.
    const started = performance.now();
    const runs = await Promise.all(prepared.map((p) => measure(p, image)));
    const seconds = (performance.now() - started) / 1000;
    const report = memory.finish();
    return { ...toRow(`${boards} × ${chip} ${baud} (parallel)`, 'kiln', runs, seconds), memory: report };
  } finally {
    memory.stop();
    await Promise.all(prepared.map(release));
  }
}
