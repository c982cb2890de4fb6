/**
 * Small JSON files that must never be seen half-written (catalog, cache index, local list), written
 * through the one atomic writer (temporary file, flush, rename).
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/atomic-file';

export { writeFileAtomic };

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** The parsed file, or null when it is missing or unreadable (a damaged index is rebuilt, not fatal). */
export async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return null;
  }
}
