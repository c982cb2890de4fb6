import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  resolveWasmModuleUrl,
  resolveWorkerPath,
  WORKER_FILE_NAME,
} from '../../../../../electron/virtual-board/micropython/worker-location';

const folder = join(process.cwd(), 'electron', 'virtual-board', 'micropython');

afterEach(() => {
  delete process.env.KILN_MICROPYTHON_WORKER;
});

describe('worker location', () => {
  it('finds the worker entry beside the runtime and the WebAssembly port in node_modules', () => {
    const path = resolveWorkerPath();
    expect(basename(path)).toBe(WORKER_FILE_NAME);
    expect(existsSync(path)).toBe(true);
    expect(existsSync(fileURLToPath(resolveWasmModuleUrl()))).toBe(true);
  });

  it('takes an explicit location (KILN_MICROPYTHON_WORKER) first when it exists', () => {
    const explicit = join(folder, 'worker-repl.mjs');
    process.env.KILN_MICROPYTHON_WORKER = explicit;
    expect(resolveWorkerPath()).toBe(explicit);
    process.env.KILN_MICROPYTHON_WORKER = join(folder, 'missing.mjs');
    expect(basename(resolveWorkerPath())).toBe(WORKER_FILE_NAME);
  });

  it('needs nothing but the .mjs files of its folder, so a bundle can copy them beside itself', () => {
    const workerFiles = readdirSync(folder).filter((file) => file.endsWith('.mjs'));
    expect(workerFiles).toContain(WORKER_FILE_NAME);
    for (const file of workerFiles) {
      const source = readFileSync(join(folder, file), 'utf8');
      for (const [, specifier] of source.matchAll(/^import .* from '([^']+)';$/gm)) {
        if (specifier!.startsWith('node:')) continue;
        expect(specifier, `${file} imports ${specifier}`).toMatch(/^\.\/[\w-]+\.mjs$/);
        expect(existsSync(join(dirname(join(folder, file)), specifier!))).toBe(true);
      }
    }
  });
});
