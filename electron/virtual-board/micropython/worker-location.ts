import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Where the interpreter's worker script and the WebAssembly package are, wherever this module
 * runs from: its source folder (vitest, tsx) or a bundle in dist/ that has the worker file
 * copied beside it. esbuild's CommonJS output has no import.meta.url, hence the __dirname path.
 */
export const WORKER_FILE_NAME = 'micropython-worker.mjs';
const WASM_PACKAGE = '@micropython/micropython-webassembly-pyscript';

function thisModuleDirectory(): string | undefined {
  try {
    const url = import.meta.url;
    if (typeof url === 'string' && url.startsWith('file:')) return dirname(fileURLToPath(url));
  } catch {
    // import.meta is unavailable in this build; fall through
  }
  return typeof __dirname === 'string' ? __dirname : undefined;
}

/**
 * In a packaged app the bundle lives inside app.asar, an archive that worker threads and the ESM
 * loader cannot read from; electron-builder unpacks the worker files and the WebAssembly package
 * beside it (asarUnpack in package.json), so use the unpacked copy where there is one.
 */
export function unpackedPath(path: string): string {
  const archive = `${sep}app.asar${sep}`;
  if (!path.includes(archive)) return path;
  const unpacked = path.replace(archive, `${sep}app.asar.unpacked${sep}`);
  return existsSync(unpacked) ? unpacked : path;
}

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
