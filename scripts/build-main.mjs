// Bundles the main-process entries with esbuild: Electron's main and preload, headless mode, the CLI.
// Dependencies stay external (resolved from node_modules at run time); only Kiln's own code is bundled.
import { build } from 'esbuild';
import { cp, readFile, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
const outdir = join(root, 'dist', 'electron');
await rm(outdir, { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  define: { __KILN_VERSION__: JSON.stringify(pkg.version) },
};

const esmEntries = { main: 'electron/entries/electron-main.ts', headless: 'electron/entries/headless.ts', cli: 'electron/entries/cli.ts' };

await build({
  ...common,
  entryPoints: Object.fromEntries(Object.entries(esmEntries).map(([name, file]) => [name, join(root, file)])),
  outdir,
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  // Some dependencies are CommonJS and expect require(); give ESM bundles one.
  banner: { js: "import { createRequire as __kilnCreateRequire } from 'node:module'; const require = __kilnCreateRequire(import.meta.url);" },
});

// A sandboxed preload must be a single CommonJS file.
await build({
  ...common,
  entryPoints: [join(root, 'electron/entries/preload.ts')],
  outfile: join(outdir, 'preload.cjs'),
  format: 'cjs',
  external: ['electron'],
});

// Worker entries are plain .mjs files loaded by path at run time; ship them beside the bundles.
const workerDir = join(root, 'electron/virtual-board/micropython');
if (existsSync(workerDir)) {
  for (const file of await readdir(workerDir)) {
    if (file.endsWith('.mjs')) await cp(join(workerDir, file), join(outdir, file));
  }
}
// The zopfli worker (electron/firmware/zopfli.ts starts it by path), likewise beside the bundles.
await cp(join(root, 'electron/firmware/zopfli-worker.mjs'), join(outdir, 'zopfli-worker.mjs'));
console.log(`main process built into ${outdir}`);
