import { CHIP_DISPLAY_NAMES, isChipFamily, type ChipFamily } from '../../../shared/types/chips';
import type { Link } from '../../serial/link';
import type { VirtualBoardImpl } from '../board';
import { createVirtualBoardImpl, type VirtualBoard, type VirtualBoardOptions } from '../index';
import { microPythonOnDemand } from '../micropython/on-demand';

/**
 * "virtual:<chip>" port paths for the CLI and the app: "virtual:esp8266", "virtual:esp32", or with a
 * board name, "virtual:esp32:classroom-3". Each path names one board for the life of the process,
 * so closing the port and opening it again reaches the same board (and its flash, and a stub left
 * running), like re-opening a real serial port.
 */
const PATTERN = /^virtual:([a-z0-9]+)(?::([A-Za-z0-9._-]{1,64}))?$/;

/** Listed even before anyone opened them: the two fully modelled chips. */
const DEFAULT_PORTS = ['virtual:esp8266', 'virtual:esp32'];

const boards = new Map<string, Promise<VirtualBoardImpl>>();

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
    if (boards.get(path) === existing) boards.delete(path);
    return boardFor(path, options);
  }
  const display = CHIP_DISPLAY_NAMES[parsed.chip];
  const created = createVirtualBoardImpl({
    // A reset into a MicroPython image runs real MicroPython (loaded only then), as on the pty.
    runtime: microPythonOnDemand,
    ...options,
    chip: parsed.chip,
    name: options.name ?? (parsed.label ? `${parsed.label} (${display})` : `Demo ${display}`),
  });
  boards.set(path, created);
  // A failed creation must not poison the path for the next attempt.
  created.catch(() => {
    if (boards.get(path) === created) boards.delete(path);
  });
  return created;
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
  await Promise.all(all.map(async (b) => (await b.catch(() => null))?.close()));
}
