/**
 * Flash benchmark rows: a client writes and verifies a MicroPython-shaped image (micropython-image.ts)
 * on a virtual board with the link model (10 bits per byte at the baud, 1 ms adapter latency each
 * way) and the flash-timing model on (datasheet erase and program times). The board starts at
 * 115200 baud; connecting, the stub upload and the baud change are not measured (except in the
 * CLI rows, which time the whole command), the write + MD5 verify is.
 *
 *   wire limit   = bytes on the wire (both directions) × 10 / baud
 *   model flash  = erase + program time of the data written (flash-timing.ts expectedWriteMs)
 *   bound        = max(wire limit, model flash): no client can be faster on this board
 *
 * This file holds the row shape and Kiln's runs (one board, many at once, the re-flash of a board
 * that already holds the image, the CLI command); esptool-js-flash.ts runs the peer client.
 */
import { performance } from 'node:perf_hooks';
import type { ChipFamily } from '../shared/types/chips';
import { openSession, type EspSession } from '../electron/esp/session';
import { writeFlash, type WriteFlashOptions } from '../electron/esp/operations';
import { createVirtualBoard, type VirtualBoard } from '../electron/virtual-board';
import { expectedWriteMs, flashTimesFor } from '../electron/virtual-board/hardware/flash-timing';
import { runCli } from '../electron/cli/run-cli';
import type { BenchImage } from './micropython-image';
import { watchMemory, type MemoryReport } from './memory';

export type FlashClient = 'kiln' | 'kiln CLI' | 'esptool-js';
/** What the client sent: zlib level 9 (Kiln before a stream is kept), the kept zopfli stream, or the peer's own. */
export type Compression = 'zlib 9' | 'zopfli' | 'esptool-js';

export interface FlashBenchRun {
  hostToBoard: number;
  boardToHost: number;
  seconds: number;
  /** Compressed bytes of the image as the client sent them (0 when nothing was written). */
  sentBytes: number;
  /** Bytes the board already held and were not written again (diff re-flash). */
  unchangedBytes: number;
}

export interface FlashBenchRow {
  label: string;
  client: FlashClient;
  compression: Compression;
  /** 'write': a board whose flash is erased; 'reflash': a board already holding the image. */
  kind: 'write' | 'reflash';
  chip: ChipFamily;
  baud: number;
  boards: number;
  imageBytes: number;
  sentBytes: number;
  unchangedBytes: number;
  /** Summed over all boards of the row. */
  wireBytes: number;
  /** Wall time (a parallel row: until the last board finished). */
  seconds: number;
  /** Wire limit of one board's traffic (boards have separate wires). */
  wireLimitSeconds: number;
  /** The flash-timing model's erase + program time for a full write of the image. */
  modelFlashSeconds: number;
  /** seconds / max(wire limit, model flash). */
  ratioToBound: number;
  ratioToWire: number;
  ratioToModel: number;
  /** Multi-board rows only: the process's memory around the row. */
  memory?: MemoryReport;
}

export const BOARD_FLASH_BYTES = 4 << 20;
export const LATENCY_MS = 1;
/** The virtual board's flash chip (W25Q32) and so its timing. */
export const BOARD_JEDEC_ID = 0xef4016;

/** The same board for every client: same chip model, flash, link model, flash timing. */
export function benchBoard(chip: ChipFamily): Promise<VirtualBoard> {
  return createVirtualBoard({ chip, flashSize: BOARD_FLASH_BYTES, jedecId: BOARD_JEDEC_ID, linkModel: { latencyMs: LATENCY_MS }, flashTiming: 'real' });
}

export function modelFlashSeconds(image: BenchImage): number {
  return expectedWriteMs(flashTimesFor(BOARD_JEDEC_ID), image.offset, (image.bytes.length + 3) & ~3) / 1000;
}

export function toRow(
  fields: { label: string; client: FlashClient; compression: Compression; kind: 'write' | 'reflash'; baud: number },
  image: BenchImage,
  runs: FlashBenchRun[],
  wallSeconds: number,
): FlashBenchRow {
  const wireBytes = runs.reduce((sum, r) => sum + r.hostToBoard + r.boardToHost, 0);
  const perBoardWire = Math.max(...runs.map((r) => r.hostToBoard + r.boardToHost));
  const wireLimitSeconds = (perBoardWire * 10) / fields.baud;
  const model = modelFlashSeconds(image);
  return {
    ...fields,
    chip: image.chip,
    boards: runs.length,
    imageBytes: image.bytes.length,
    sentBytes: runs[0]!.sentBytes,
    unchangedBytes: runs[0]!.unchangedBytes,
    wireBytes,
    seconds: wallSeconds,
    wireLimitSeconds,
    modelFlashSeconds: model,
    ratioToBound: wallSeconds / Math.max(wireLimitSeconds, model),
    ratioToWire: wallSeconds / wireLimitSeconds,
    ratioToModel: wallSeconds / model,
  };
}

interface Prepared {
  board: VirtualBoard;
  session: EspSession;
}

/** Connect, upload the stub, change baud, read the flash id: not measured. */
async function prepare(chip: ChipFamily, baud: number): Promise<Prepared> {
  const board = await benchBoard(chip);
  const session = await openSession(board.connect(), { baudRate: baud });
  await session.flashInfo();
  return { board, session };
}

async function release(prepared: Prepared): Promise<void> {
  await prepared.session.close('no-reset');
  await prepared.board.close();
}

export interface KilnWriteOptions {
  /** The kept zopfli stream for the image, or null: zlib level 9. */
  stream: Uint8Array | null;
  /** Write the image once unmeasured first, then measure writing it again (diff re-flash). */
  reflash?: boolean;
}

function writeOptions(options: KilnWriteOptions, skipUnchanged: boolean): WriteFlashOptions {
  const { stream } = options;
  // skipUnchanged is the engine's diff re-flash switch: full writes turn it off, re-flash rows on.
  return { verify: true, skipUnchanged, compressedStream: () => Promise.resolve(stream) };
}

/** Write + verify: measured, with the bytes the board saw each way. */
async function measure(prepared: Prepared, image: BenchImage, options: WriteFlashOptions): Promise<FlashBenchRun> {
  const { board, session } = prepared;
  const before = { ...board.stats };
  const started = performance.now();
  const result = await writeFlash(session, [{ offset: image.offset, data: image.bytes }], options);
  const seconds = (performance.now() - started) / 1000;
  const after = { ...board.stats };
  if (!result.regions.every((r) => r.verified)) throw new Error('benchmark write was not verified');
  return {
    hostToBoard: after.hostToBoard - before.hostToBoard,
    boardToHost: after.boardToHost - before.boardToHost,
    seconds,
    sentBytes: result.regions[0]!.sentBytes,
    unchangedBytes: result.regions[0]!.unchangedBytes ?? 0,
  };
}

const compressionOf = (options: KilnWriteOptions): Compression => (options.stream ? 'zopfli' : 'zlib 9');

/** One board, Kiln's engine. */
export async function benchKiln(image: BenchImage, baud: number, options: KilnWriteOptions): Promise<FlashBenchRow> {
  const prepared = await prepare(image.chip, baud);
  try {
    if (options.reflash) await measure(prepared, image, writeOptions(options, false));
    const run = await measure(prepared, image, writeOptions(options, options.reflash === true));
    const kind = options.reflash ? 'reflash' : 'write';
    return toRow({ label: `${image.chip} ${baud}${options.reflash ? ' re-flash' : ''}`, client: 'kiln', compression: compressionOf(options), kind, baud }, image, [run], run.seconds);
  } finally {
    await release(prepared);
  }
}

/**
 * Classroom mode: `boards` boards written at once by Kiln's engine, with the process's memory
 * watched; with `reflash`, boards that already hold the image (written first, unmeasured).
 */
export async function benchKilnParallel(image: BenchImage, boards: number, baud: number, options: KilnWriteOptions): Promise<FlashBenchRow> {
  const memory = await watchMemory(boards);
  const settled = await Promise.allSettled(Array.from({ length: boards }, () => prepare(image.chip, baud)));
  const prepared = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    if (options.reflash) await Promise.all(prepared.map((p) => measure(p, image, writeOptions(options, false))));
    // All boards start writing together; the row's time runs until the last one has verified.
    const started = performance.now();
    const runs = await Promise.all(prepared.map((p) => measure(p, image, writeOptions(options, options.reflash === true))));
    const seconds = (performance.now() - started) / 1000;
    const report = memory.finish();
    const kind = options.reflash ? 'reflash' : 'write';
    const label = `${boards} × ${image.chip} ${baud}${options.reflash ? ' re-image' : ''}`;
    return { ...toRow({ label, client: 'kiln', compression: compressionOf(options), kind, baud }, image, runs, seconds), memory: report };
  } finally {
    memory.stop();
    await Promise.all(prepared.map(release));
  }
}

/**
 * The same `kiln write_flash` command twice on one board, whole commands timed (connect, stub,
 * baud change, write, verify, reset): a board with erased flash, then the same board again.
 * The CLI keeps no zopfli stream here (compressStream: null), so both runs send zlib level 9.
 */
export async function benchCli(image: BenchImage, baud: number, file: string): Promise<{ write: FlashBenchRow; reflash: FlashBenchRow }> {
  const board = await benchBoard(image.chip);
  try {
    const run = async (kind: 'write' | 'reflash'): Promise<FlashBenchRow> => {
      let out = '';
      const before = { ...board.stats };
      const started = performance.now();
      const code = await runCli(['-p', `bench:${image.chip}`, '-b', String(baud), '--no-progress', 'write_flash', `0x${image.offset.toString(16)}`, file], {
        stdout: { write: (text) => (out += text), isTTY: false },
        stderr: { write: (text) => (out += text) },
        openLink: () => Promise.resolve(board.connect()),
        compressStream: null,
      });
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) throw new Error(`kiln write_flash failed on the bench board:\n${out}`);
      const sent = /^Compressed \d+ bytes to (\d+)\.\.\.$/m.exec(out);
      const runStats: FlashBenchRun = {
        hostToBoard: board.stats.hostToBoard - before.hostToBoard,
        boardToHost: board.stats.boardToHost - before.boardToHost,
        seconds,
        sentBytes: sent ? Number(sent[1]) : 0,
        unchangedBytes: 0,
      };
      return toRow({ label: `${image.chip} ${baud} CLI ${kind === 'write' ? 'write' : 're-flash'}`, client: 'kiln CLI', compression: 'zlib 9', kind, baud }, image, [runStats], seconds);
    };
    const write = await run('write');
    const reflash = await run('reflash');
    return { write, reflash };
  } finally {
    await board.close();
  }
}
