/**
 * The boards Kiln has seen, keyed by MAC: when first and last connected, and the last backup and
 * the last write Kiln made to each. One JSON file in the data folder, written atomically; updates
 * are queued so two boards finishing at once never lose each other's record.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CHIP_FAMILIES } from '../../../shared/types/chips';
import type { BoardRecord } from '../../../shared/types/backups';
import type { DeviceInfo } from '../../../shared/types/device';
import { writeFileAtomic } from '../../fs/atomic-file';

const storedRecord = z.object({
  mac: z.string(),
  chip: z.enum(CHIP_FAMILIES),
  description: z.string(),
  flashSizeBytes: z.number().nullable(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  lastBackup: z.object({ at: z.string(), backupId: z.string(), label: z.string() }).nullable(),
  lastFlash: z.object({ at: z.string(), what: z.string() }).nullable(),
});
const storedHistory = z.object({ boards: z.array(storedRecord) });

export class BoardHistory {
  private readonly file: string;
  private records: Map<string, BoardRecord> | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    dataDir: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.file = join(dataDir, 'boards.json');
  }

  async list(): Promise<BoardRecord[]> {
    const records = await this.load();
    return [...records.values()].map((record) => structuredClone(record)).sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt));
  }

  async get(mac: string): Promise<BoardRecord | null> {
    const record = (await this.load()).get(mac.toLowerCase());
    return record ? structuredClone(record) : null;
  }

  /** Resolves when every update asked for so far is on disk (shutdown waits for it). */
  async idle(): Promise<void> {
    await this.queue;
  }

  seen(info: DeviceInfo): Promise<void> {
    return this.update(info, () => undefined);
  }

  backedUp(info: DeviceInfo, backup: { id: string; label: string }): Promise<void> {
    return this.update(info, (record, at) => {
      record.lastBackup = { at, backupId: backup.id, label: backup.label };
    });
  }

  flashed(info: DeviceInfo, what: string): Promise<void> {
    return this.update(info, (record, at) => {
      record.lastFlash = { at, what };
    });
  }

  private update(info: DeviceInfo, change: (record: BoardRecord, at: string) => void): Promise<void> {
    const run = this.queue.then(async () => {
      const records = await this.load();
      const at = this.now().toISOString();
      const mac = info.mac.toLowerCase();
      const record: BoardRecord = records.get(mac) ?? {
        mac,
        chip: info.chip,
        description: info.description,
        flashSizeBytes: info.flash?.sizeBytes ?? null,
        firstSeenAt: at,
        lastSeenAt: at,
        lastBackup: null,
        lastFlash: null,
      };
      record.chip = info.chip;
      record.description = info.description;
      record.flashSizeBytes = info.flash?.sizeBytes ?? record.flashSizeBytes;
      record.lastSeenAt = at;
      change(record, at);
      const next = new Map(records).set(mac, record);
      await writeFileAtomic(this.file, `${JSON.stringify({ boards: [...next.values()] }, null, 2)}\n`);
      this.records = next;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<Map<string, BoardRecord>> {
    if (this.records) return this.records;
    let boards: BoardRecord[] = [];
    try {
      const parsed = storedHistory.safeParse(JSON.parse(await readFile(this.file, 'utf8')));
      if (parsed.success) boards = parsed.data.boards;
    } catch {
      // No history yet (or unreadable): start empty; the next update writes a fresh file.
    }
    this.records = new Map(boards.map((record) => [record.mac, record]));
    return this.records;
  }
}
