import { CHIP_DISPLAY_NAMES, isChipFamily, type ChipFamily } from '../../../shared/types/chips';
import type { Link } from '../../serial/link';
import type { VirtualBoardImpl } from '../board';
import { createVirtualBoardImpl, type VirtualBoard, type VirtualBoardOptions } from '../index';
import { parseSize } from '../../../shared/format';
import { microPythonOnDemand } from '../micropython/on-demand';

/**
 * "virtual:<chip>" port paths for the CLI and the app: "virtual:esp8266", "virtual:esp32", or with a
 * board name, "virtual:esp32:classroom-3". Each path names one board for the life of the process,
 * so closing the port and opening it again reaches the same board (and its flash, and a stub left
 * running), like re-opening a real serial port. A name that is a size sets the board's flash size
 * ("virtual:esp8266:512KB").
 */
const PATTERN = /^virtual:([a-z0-9]+)(?::([A-Za-z0-9._-]{1,64}))?$/;

/** Listed even before anyone opened them: the two fully modelled chips. */
const DEFAULT_PORTS = ['virtual:esp8266', 'virtual:esp32'];

/**
 * At most this many boards alive at once in one process (each holds its flash, ~4 MiB for an
 * ESP32, plus a MicroPython runtime once booted): a typo loop or a hostile client cannot grow
 * memory without bound. Generous for a classroom or a benchmark; closed boards do not count.
 */
export const MAX_VIRTUAL_BOARDS = 32;

const boards = new Map<string, Promise<VirtualBoardImpl>>();
/** The boards whose creation has finished, to count the live ones without waiting. */
const created = new Map<string, VirtualBoardImpl>();

interface ParsedPath {
  chip: ChipFamily;
  label: string | null;
}

function parse(path: string): ParsedPath | null {
  const match = PATTERN.exec(path);
  if (!match || match[1] === undefined || !isChipFamily(match[1])) return null;
  return { chip: match[1], label: match[2] ?? null };
}

export function isVirtualPortPath(path: string): boolean {
  return parse(path) !== null;
}

/**
 * Opens (plugs into) the board behind a virtual path, creating it on first use with `options`
 * (ignored afterwards). Throws when the path is not a virtual port or the board is already open.
 */
export async function openVirtualPort(path: string, options: Partial<VirtualBoardOptions> = {}): Promise<Link> {
  const board = await boardFor(path, options);
  return board.connect(path);
}

let registryDefaults: Partial<VirtualBoardOptions> = {};

/**
 * Options for boards the registry creates from now on (tests scale the flash timing down with
 * { flashTiming: 0.01 }; the app keeps the defaults, so the Demo board takes real time).
 */
export function setVirtualBoardDefaults(options: Partial<VirtualBoardOptions>): void {
  registryDefaults = { ...options };
}

/** The board behind a path (created if needed), for the UI's "press RESET" and for tests. */
export async function boardFor(path: string, options: Partial<VirtualBoardOptions> = {}): Promise<VirtualBoard> {
  const parsed = parse(path);
  if (!parsed) {
    throw new Error(`"${path}" is not a virtual port. Use virtual:esp8266, virtual:esp32 or virtual:<chip>:<name>.`);
  }
  const existing = boards.get(path);
  if (existing) {
    const board = await existing.catch(() => null);
    if (board && !board.isClosed) return board;
    // Closed by its owner (or never created): the next open plugs in a fresh board.
    if (boards.get(path) === existing) {
      boards.delete(path);
      created.delete(path);
    }
    return boardFor(path, options);
  }
  if (liveBoardCount() >= MAX_VIRTUAL_BOARDS) {
    throw new Error(`Kiln already runs ${MAX_VIRTUAL_BOARDS} virtual boards, the most it allows at once. Close one of them before opening ${path}.`);
  }
  const display = CHIP_DISPLAY_NAMES[parsed.chip];
  const labelSize = flashSizeFromLabel(parsed.label);
  const creation = createVirtualBoardImpl({
    // A reset into a MicroPython image runs real MicroPython (loaded only then), as on the pty.
    runtime: microPythonOnDemand,
    ...registryDefaults,
    ...options,
    ...(options.flashSize === undefined && labelSize !== null ? { flashSize: labelSize } : {}),
    chip: parsed.chip,
    name: options.name ?? (parsed.label ? `${parsed.label} (${display})` : `Demo ${display}`),
  });
  boards.set(path, creation);
  creation.then(
    (board) => {
      if (boards.get(path) === creation) created.set(path, board);
    },
    // A failed creation must not poison the path for the next attempt.
    () => {
      if (boards.get(path) === creation) boards.delete(path);
    },
  );
  return creation;
}

/** Boards being created or open; forgets the ones closed by their owners on the way. */
function liveBoardCount(): number {
  for (const [path, board] of created) {
    if (board.isClosed) {
      created.delete(path);
      boards.delete(path);
    }
  }
  return boards.size;
}

/**
 * Unplugs and forgets the board behind `path` (its flash is saved if it has a flash file), so
 * its memory is freed; the next open of the path plugs in a fresh board. Nothing when unknown.
 */
export async function releaseVirtualPort(path: string): Promise<void> {
  const creation = boards.get(path);
  if (!creation) return;
  boards.delete(path);
  created.delete(path);
  const board = await creation.catch(() => null);
  await board?.close();
}

/** A board name that is a size ("512KB", "16MB") chooses the flash size: virtual:esp8266:512KB. */
function flashSizeFromLabel(label: string | null): number | null {
  if (label === null || !/^\d+\s*(k|kb|kib|m|mb|mib)$/i.test(label)) return null;
  return parseSize(label);
}

/** Saves the flash file of the board behind `path`, if it is open and has one; never creates a board. */
export async function saveVirtualBoard(path: string): Promise<void> {
  const board = await boards.get(path)?.catch(() => null);
  if (board && !board.isClosed) await board.saveFlash();
}

export function listVirtualPorts(): string[] {
  const paths = new Set(DEFAULT_PORTS);
  for (const path of boards.keys()) paths.add(path);
  return [...paths];
}

/** Removes every virtual board (app shutdown, test teardown), saving flash files. */
export async function closeVirtualPorts(): Promise<void> {
  const all = [...boards.values()];
  boards.clear();
  created.clear();
  await Promise.all(all.map(async (b) => (await b.catch(() => null))?.close()));
}
