import type { ChipFamily } from './chips';

/** What the flash chip's JEDEC id says about it. */
export interface FlashInfo {
  /** JEDEC manufacturer id (first RDID byte). */
  manufacturerId: number;
  /** JEDEC device id (memory type << 8 | capacity byte). */
  deviceId: number;
  /** Vendor name, or "Unknown (0xNN)" when the id is not in Kiln's table. */
  vendor: string;
  /** Part name when known, e.g. "W25Q32". */
  model: string | null;
  /** Capacity in bytes, from the table or the capacity byte; null when it can't be told. */
  sizeBytes: number | null;
}

/** Everything "detect" learns about a board. Plain data: crosses IPC as is. */
export interface DeviceInfo {
  chip: ChipFamily;
  /** e.g. "ESP32-D0WD-V3 (revision v3.0)". */
  description: string;
  /** e.g. "v3.0". */
  revision: string;
  features: string[];
  crystalMHz: number;
  /** "aa:bb:cc:dd:ee:ff". */
  mac: string;
  flash: FlashInfo | null;
  /** Whether Kiln is talking to the flasher stub (fast path) or the ROM loader only. */
  usingStub: boolean;
  baudRate: number;
}

/** Stages a long operation reports, in the order they usually happen. */
export type OperationStage =
  | 'connecting'
  | 'uploading-stub'
  | 'changing-baud'
  | 'erasing'
  | 'comparing'
  | 'writing'
  | 'verifying'
  | 'reading'
  | 'downloading'
  | 'resetting'
  | 'done';

export interface OperationProgress {
  stage: OperationStage;
  /** Bytes (of the user's data, uncompressed) done so far in this stage. */
  done: number;
  /** Bytes in this stage; 0 when unknown. */
  total: number;
  /** Bytes per second, smoothed; 0 until known. */
  bytesPerSecond: number;
  /** Human-readable detail, e.g. "Writing at 0x00010000". */
  message?: string;
  /**
   * Sent once as each region's write begins: where it goes, its size (padded to a word) and the
   * bytes that will cross the link for it (the compressed size when compressed). The CLI prints
   * esptool's "Compressed N bytes to M..." and times each region from it.
   */
  region?: { offset: number; size: number; sentBytes: number; compressed: boolean };
}

/** How Kiln gets a board into its ROM loader before talking to it. */
export const RESET_STRATEGIES = ['default-reset', 'usb-reset', 'no-reset'] as const;
export type ResetStrategy = (typeof RESET_STRATEGIES)[number];

/** A board Kiln is connected to (in its loader), as the UI lists it. */
export interface DeviceSession {
  id: string;
  port: string;
  info: DeviceInfo;
  /** Non-fatal things the user should know: "no auto-reset on this port", "stub did not start, using the ROM". */
  warnings: string[];
  /** 'lost': the cable was pulled or the port vanished; reconnect to go on. */
  status: 'ready' | 'busy' | 'lost';
  /** Which baud rate Kiln works at and why ("921600 baud: the fastest rate that passed the link check"), newest last. */
  baudNotes: string[];
  /** What seems to be in the board's flash, when Kiln has looked (connect with inspect, or device.inspect). */
  contents?: FlashContents;
}

/**
 * What Kiln found when it looked at the start of the board's firmware: MicroPython (its banner
 * string), something else, or erased flash. A guess from a few hundred KB, never a guarantee.
 */
export type FlashContents =
  | { kind: 'empty' }
  | { kind: 'micropython'; version: string; date: string | null; banner: string }
  | { kind: 'unknown'; detail: string };
