import type { ChipFamily } from './chips';
import type { FlashInfo } from './device';

/**
 * Backups of a board's flash and the boards Kiln has seen. Plain data: crosses the contract as is.
 * The image bytes never do; they stay in the library folder, named by the entry's id.
 */

/** What seems to be in a flash image, from the bytes alone. */
export interface FirmwareGuess {
  /** 'empty': every byte erased (0xFF). 'other': a valid boot image that is not MicroPython. */
  kind: 'micropython' | 'empty' | 'other' | 'unknown';
  /** MicroPython's version ("v1.24.1") when found. */
  version: string | null;
  /** One line for people: "MicroPython v1.24.1 (2024-11-29)", "Erased (nothing on it)". */
  summary: string;
}

/** A flash region: start offset and length in bytes. */
export interface FlashRegion {
  offset: number;
  size: number;
}

export interface BackupEntry {
  /** "bk-20261201-213000-ab12cd": also the file names in the library folder. */
  id: string;
  label: string;
  chip: ChipFamily;
  /** "ESP32-D0WD-V3 (revision v3.0)"; for an import, what the user said. */
  chipDescription: string | null;
  /** "aa:bb:cc:dd:ee:ff"; null for an import whose board is not known. */
  mac: string | null;
  flash: FlashInfo | null;
  /** The board's flash size when the backup was made (null when unknown). */
  flashSizeBytes: number | null;
  region: FlashRegion;
  sha256: string;
  md5: string;
  /** ISO 8601. */
  createdAt: string;
  firmware: FirmwareGuess;
  /** 'device': read from a board by Kiln; 'imported': a raw image the user brought. */
  origin: 'device' | 'imported';
}

/** Whether a backup may go onto a connected board; errors refuse, warnings need the user's OK. */
export interface RestoreCheck {
  ok: boolean;
  errors: string[];
  warnings: string[];
  /** True when the MAC differs: the request must say allowOtherBoard. */
  otherBoard: boolean;
}

/** A board seen by Kiln, by MAC. */
export interface BoardRecord {
  mac: string;
  chip: ChipFamily;
  description: string;
  flashSizeBytes: number | null;
  firstSeenAt: string;
  lastSeenAt: string;
  lastBackup: { at: string; backupId: string; label: string } | null;
  /** The last write Kiln made: firmware, or a restored backup. */
  lastFlash: { at: string; what: string } | null;
}

export interface BackupExportResult {
  imagePath: string;
  metadataPath: string;
}
