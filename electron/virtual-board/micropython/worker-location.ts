import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { moduleDirectory, unpackedPath } from '../../fs/module-files';

/**
 * Where the interpreter's worker script and the WebAssembly package are, wherever this module
 * runs from: its source folder (vitest, tsx) or a bundle in dist/ that has the worker file
 * copied beside it (see fs/module-files.ts).
 */
export const WORKER_FILE_NAME = 'micropython-worker.mjs';
const WASM_PACKAGE = '@micropython/micropython-webassembly-pyscript';

/** This module's folder (source or bundle). */
const thisModuleDirectory = (): string | undefined => moduleDirectory(import.meta.url, typeof __dirname === 'string' ? __dirname : undefined);

export class MicroPythonInstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MicroPythonInstallError';
  }
}

/** The worker entry: beside this module, or in a micropython/ folder beside the bundle. */
export function resolveWorkerPath(): string {
  const override = process.env.KILN_MICROPYTHON_WORKER;
  const here = thisModuleDirectory();
  const candidates = [
    ...(override ? [override] : []),
    ...(here ? [join(here, WORKER_FILE_NAME), join(here, 'micropython', WORKER_FILE_NAME)] : []),
    join(process.cwd(), 'electron', 'virtual-board', 'micropython', WORKER_FILE_NAME),
  ];
  const found = candidates.map(unpackedPath).find((candidate) => existsSync(candidate));
  if (!found) {
    throw new MicroPythonInstallError(
      `The virtual board's MicroPython runtime (${WORKER_FILE_NAME}) is missing from this installation ` +
        `(looked in ${candidates.join(', ')}). Reinstall Kiln, or rebuild it with "npm run build".`,
    );
  }
  return found;
}

/** A file URL the worker can import() the WebAssembly port from. */
export function resolveWasmModuleUrl(): string {
  const here = thisModuleDirectory();
  const bases = [...(here ? [join(here, 'index.js')] : []), join(process.cwd(), 'package.json')];
  for (const base of bases) {
    try {
      return pathToFileURL(unpackedPath(createRequire(base).resolve(WASM_PACKAGE))).href;
    } catch {
      // try the next base
    }
  }
  throw new MicroPythonInstallError(
    `The MicroPython WebAssembly package (${WASM_PACKAGE}) is not installed. Run "npm install" in the Kiln folder, then try again.`,
  );
}
