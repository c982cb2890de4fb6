/**
 * What the firmware service (catalog, download cache, local images, board-fit checks) hands to
 * the renderer. Plain data: no Node, no DOM. Bytes never cross: images are named by reference.
 */
import type { ChipFamily } from './chips';
import type { OperationProgress } from './device';

export type ReleaseChannel = 'stable' | 'preview';

/** One downloadable MicroPython build: a board (and variant) at one version. */
export interface CatalogEntry {
  /** The file name without ".bin", e.g. "ESP8266_GENERIC-FLASH_1M-20260406-v1.28.0". Stable across refreshes. */
  id: string;
  /** MicroPython's board id, e.g. "ESP8266_GENERIC". */
  boardId: string;
  /** Variant of the board, e.g. "FLASH_1M"; null for the standard build. */
  variant: string | null;
  /** For people: "ESP8266, 1 MB flash (ESP-01, ESP-01S)". */
  title: string;
  chip: ChipFamily;
  /** Smallest flash the build is made for. */
  minFlashBytes: number;
  /** Where the .bin is written: 0x0 (ESP8266, C3, S3) or 0x1000 (ESP32, S2). */
  writeOffset: number;
  /** "1.28.0", or "1.28.0-preview.12.gabc123" for previews. */
  version: string;
  /** ISO date of the build, "2026-04-06". */
  date: string;
  channel: ReleaseChannel;
  url: string;
  fileName: string;
  /** Known SHA-256 (hex) when the catalog source gives one; the download is checked against it. */
  sha256?: string;
}

/** Where the catalog on screen came from. */
export type CatalogSource = 'snapshot' | 'network' | 'last-good';

export interface CatalogView {
  entries: CatalogEntry[];
  source: CatalogSource;
  /** When the entries were fetched (ms since epoch); for the snapshot, its date. */
  fetchedAt: number;
  /** Date of the snapshot shipped with this version of Kiln. */
  snapshotDate: string;
}

export interface CatalogRefreshResult {
  /** True when every board page was read. */
  ok: boolean;
  catalog: CatalogView;
  /** For people, e.g. "Couldn't reach micropython.org (...). Kept the last good catalog from 2026-04-06." */
  message: string;
  /** Board ids whose page could not be read (their entries kept from the last good catalog). */
  failedBoards: string[];
}

/** Progress of one download; a superset of OperationProgress so it can feed a job as is. */
export interface DownloadProgress extends OperationProgress {
  stage: 'downloading';
  entryId: string;
  /** Bytes already on disk from an interrupted attempt when this attempt started. */
  resumedFrom: number;
}

export interface CachedFirmware {
  entryId: string;
  fileName: string;
  size: number;
  /** Hex SHA-256 of the file as downloaded. */
  sha256: string;
  downloadedAt: number;
  lastUsedAt: number;
  /** Set when a cached copy was found damaged and downloaded again. */
  repaired?: string;
}

/** One line of what the image header says, for lists and the fit-check screen. */
export interface ImageSummary {
  /** 'esp8266' | 'esp8266-v2' | 'esp32-family'. */
  format: string;
  chip: ChipFamily | null;
  chipName: string;
  segmentCount: number;
  flashMode: string | null;
  flashSize: string | null;
  flashFreq: string | null;
  entry: number;
  checksumValid: boolean;
  /** null when the image carries no digest. */
  sha256Valid: boolean | null;
  /** "ESP32 image, 5 segments, DIO 40m 4MB, entry 0x40080400". */
  description: string;
}

/** A .bin the user chose from disk; Kiln keeps its own copy (see local-images.ts for why). */
export interface LocalImage {
  id: string;
  /** The file's name as the user knew it. */
  name: string;
  originalPath: string;
  size: number;
  sha256: string;
  addedAt: number;
  summary: ImageSummary;
}

/** Which image an operation means. Paths never reach the engine directly. */
export type ImageRef = { kind: 'catalog'; entryId: string } | { kind: 'local'; id: string };

/** The board, as detect described it. */
export interface FitDevice {
  chip: ChipFamily;
  /** null when the flash id could not tell the size. */
  flashSizeBytes: number | null;
  /** Chip revision as major * 100 + minor (v3.1 -> 301), when known. */
  revision?: number;
}

export type FitIssueCode =
  | 'image-empty'
  | 'image-truncated'
  | 'image-not-firmware'
  | 'image-damaged'
  | 'image-checksum'
  | 'image-digest'
  | 'chip-mismatch'
  | 'chip-unsupported'
  | 'chip-revision'
  | 'too-big-for-flash'
  | 'build-needs-more-flash'
  | 'offset-unaligned'
  | 'offset-unusual'
  | 'header-flash-size'
  | 'flash-size-unknown'
  | 'esp8266-v2-image';

export interface FitIssue {
  code: FitIssueCode;
  message: string;
}

export interface FitCheckResult {
  ok: boolean;
  errors: FitIssue[];
  warnings: FitIssue[];
  /** A catalog entry that fits this board better, when Kiln knows one. */
  suggestion?: string;
  /** Header summary when the image could be parsed. */
  summary?: ImageSummary;
}

/** Why a firmware request failed, finer than the contract's ErrorCode. */
export type FirmwareFailure =
  | 'unknown-entry'
  | 'not-downloaded'
  | 'http-status'
  | 'network'
  | 'not-firmware'
  | 'too-small'
  | 'hash-mismatch'
  | 'cache-corrupt'
  | 'local-file'
  | 'too-large'
  | 'aborted';
