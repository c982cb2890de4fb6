import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_SETTINGS, type Settings } from '../../shared/types/settings';
import { writeFileAtomic } from '../fs/atomic-file';

const storedSettings = z
  .object({
    demoBoard: z.boolean(),
    flashBaud: z.union([z.number().int().positive(), z.literal('auto')]),
  })
  .partial();

/** Settings persisted as JSON in the data directory. A missing or damaged file means defaults. */
export class SettingsStore {
  private current: Settings = { ...DEFAULT_SETTINGS };
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'settings.json');
  }

  async load(): Promise<Settings> {
    try {
      const parsed = storedSettings.safeParse(JSON.parse(await readFile(this.file, 'utf8')));
      if (parsed.success) this.current = { ...DEFAULT_SETTINGS, ...parsed.data };
    } catch {
      // No settings yet, or unreadable: defaults. The next update writes a fresh file.
    }
    return this.get();
  }

  get(): Settings {
    return { ...this.current };
  }

  async update(patch: Partial<Settings>): Promise<Settings> {
    const next = { ...this.current };
    for (const [key, value] of Object.entries(patch) as [keyof Settings, never][]) {
      if (value !== undefined) next[key] = value;
    }
    await writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`);
    this.current = next;
    return this.get();
  }
}
