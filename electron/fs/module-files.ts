/**
 * Files that ship beside Kiln's code (worker scripts, packages they load), found wherever the code
 * runs from: its source folder (vitest, tsx), a bundle in dist/ with the files copied beside it,
 * or a packaged app, whose app.asar archive worker threads and the ESM loader cannot read from.
 */
import { existsSync } from 'node:fs';
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of the calling module: pass it `import.meta.url` and `__dirname` where defined.
 * esbuild's CommonJS bundles have no import.meta.url (it comes through undefined), only __dirname.
 */
export function moduleDirectory(metaUrl: string | undefined, dirnameValue: string | undefined): string | undefined {
  if (typeof metaUrl === 'string' && metaUrl.startsWith('file:')) return dirname(fileURLToPath(metaUrl));
  return dirnameValue;
}

/**
 * In a packaged app electron-builder unpacks these files next to the archive (asarUnpack in
 * package.json): the unpacked copy where there is one, else the path as given.
 */
export function unpackedPath(path: string): string {
  const archive = `${sep}app.asar${sep}`;
  if (!path.includes(archive)) return path;
  const unpacked = path.replace(archive, `${sep}app.asar.unpacked${sep}`);
  return existsSync(unpacked) ? unpacked : path;
}
