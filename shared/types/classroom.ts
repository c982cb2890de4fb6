import type { FlashBaud } from './settings';
import type { ChipFamily } from './chips';
import type { OperationStage } from './device';
import type { KilnErrorInfo } from './errors';

/**
 * Classroom mode: one recipe, many boards. A station (this computer with its USB hub) watches the
 * port list; each board that appears gets a tile, is identified, and, when its chip matches the
 * recipe, is imaged through the same services the wizard uses. Every attempt leaves a report row.
 */

/** Where the recipe's firmware comes from: the download cache, the local images, or a file path (added to the local images first). */
export type ClassroomFirmwareRef = { kind: 'catalog'; entryId: string } | { kind: 'local'; id: string } | { kind: 'file'; path: string };

/** A file put on each board after the firmware, over MicroPython's raw REPL. */
export interface ClassroomFile {
  /** Absolute path on this computer. */
  path: string;
  /** Where it goes on the board; default "/" + the file's name. */
  boardPath?: string;
}

export interface ClassroomWifi {
  ssid: string;
  password: string;
}

export interface ClassroomRecipe {
  firmware: ClassroomFirmwareRef;
  flashMode: 'keep' | 'qio' | 'qout' | 'dio' | 'dout';
  flashSize: 'detect' | 'keep';
  /** Baud for the write once the stub runs; 'auto': the fastest that passes a link check (see settings). */
  baud: FlashBaud;
  /** Erase the whole flash before writing (slow: a full chip erase takes seconds to a minute). */
  eraseFirst: boolean;
  files: ClassroomFile[];
  /** Written to the board as /wifi.json; Kiln's boot.py (added when the recipe has none) reads it and joins the network. */
  wifi: ClassroomWifi | null;
}

/** How the station runs (changeable while it runs). */
export interface ClassroomStationOptions {
  /** A board whose chip matches starts by itself when plugged in; off: it waits for Start. */
  autoStart: boolean;
  /** At most this many boards are written at once (a hub's power and bandwidth are finite). */
  concurrency: number;
}

export type ClassroomPhase =
  | 'detecting' // connecting to read chip, MAC and flash
  | 'skipped' // another chip than the recipe's
  | 'ready' // matches; auto-start is off, waiting for Start
  | 'queued' // matches; waiting for a free slot
  | 'writing' // the firmware write (erase, write, verify)
  | 'uploading' // files after the firmware
  | 'done'
  | 'failed'
  | 'cancelled'
  | 'unplugged'; // pulled out mid-job: resumes when the same board (MAC) comes back

export const CLASSROOM_ACTIVE_PHASES: readonly ClassroomPhase[] = ['detecting', 'queued', 'writing', 'uploading'];

export interface ClassroomBoard {
  chip: ChipFamily;
  /** "ESP32-D0WD-V3 (revision v3.0)". */
  description: string;
  mac: string;
  flashBytes: number | null;
}

/** One tile: a port and the board on it. */
export interface ClassroomStation {
  id: string;
  port: string;
  portLabel: string;
  /** The port is in the list now. */
  attached: boolean;
  board: ClassroomBoard | null;
  phase: ClassroomPhase;
  /** The running stage and its progress (writing and uploading only). */
  stage: OperationStage | null;
  done: number;
  total: number;
  bytesPerSecond: number;
  /** What is happening, or what the person should do, in one sentence. */
  message: string;
  error: KilnErrorInfo | null;
  /** Attempts started on this board (a retry or a resume adds one). */
  attempts: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Of the last finished write. */
  bytesSent: number | null;
  unchangedBytes: number | null;
}

export type ClassroomResult = 'done' | 'failed' | 'cancelled' | 'skipped' | 'unplugged';

/** One row of the run report: one attempt on one board. */
export interface ClassroomReportRow {
  runId: string;
  stationId: string;
  attempt: number;
  port: string;
  mac: string | null;
  chip: ChipFamily | null;
  flashBytes: number | null;
  firmware: string;
  firmwareSha256: string;
  result: ClassroomResult;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  /** Bytes that crossed the link for the firmware (compressed). */
  bytesSent: number;
  /** Bytes the board already held and that were not written again (diff re-flash). */
  unchangedBytes: number;
  error: string | null;
}

export interface ClassroomRunInfo {
  id: string;
  startedAt: number;
  endedAt: number | null;
  firmwareName: string;
  firmwareSha256: string;
  firmwareBytes: number;
  /** The chip the firmware is for: boards of other chips are skipped. */
  chip: ChipFamily;
  recipe: ClassroomRecipe;
  options: ClassroomStationOptions;
}

export interface ClassroomState {
  /** null: no run (the recipe form shows). */
  run: ClassroomRunInfo | null;
  stations: ClassroomStation[];
  report: ClassroomReportRow[];
}

/** Runs the history keeps (<dataDir>/classroom/history.json); older ones are dropped (their CSVs, if exported, stay where they are). */
export const HISTORY_RUNS_KEPT = 50;

/** A finished (or current) run as the history keeps it. */
export interface ClassroomHistoryRun {
  run: ClassroomRunInfo;
  rows: ClassroomReportRow[];
}

export interface ClassroomCsv {
  fileName: string;
  csv: string;
  rows: number;
}

export interface ClassroomCsvSaved {
  path: string;
  rows: number;
}
