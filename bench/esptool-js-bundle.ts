/**
 * Loads the pinned, unmodified esptool-js npm package into plain Node. Its ESM build imports its
 * own files without extensions ("./util"), which Node's resolver refuses (vitest copes because Vite
 * resolves them). So at bench time esbuild bundles the package, as installed, into one module under
 * bench-results/.cache/ (git-ignored with bench-results/), and the bench imports that. Nothing of
 * esptool-js is kept in the repository.
 */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type * as EsptoolJs from 'esptool-js';

export type EsptoolJsModule = typeof EsptoolJs;

export interface LoadedEsptoolJs {
  module: EsptoolJsModule;
  /** The version from the installed package.json (the pin in Kiln's package.json). */
  version: string;
}

const CACHE_DIR = path.resolve('bench-results', '.cache');

export async function loadEsptoolJs(): Promise<LoadedEsptoolJs> {
  // Resolve from this file, not the working directory, so the installed copy is the one bundled.
  const here = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
  const requireHere = createRequire(here);
  const packageJson = requireHere.resolve('esptool-js/package.json');
  const { version } = requireHere(packageJson) as { version: string };
  const entry = requireHere.resolve('esptool-js');
  await mkdir(CACHE_DIR, { recursive: true });
  const outfile = path.join(CACHE_DIR, `esptool-js-${version}.mjs`);
  // Rebuilt every run (it takes well under a second) so the bundle never outlives an upgrade.
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
  });
  const module = (await import(pathToFileURL(outfile).href)) as EsptoolJsModule;
  return { module, version };
}
