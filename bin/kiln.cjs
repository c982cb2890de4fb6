#!/usr/bin/env node
// `npx kiln …`: the command-line flasher over the same engine as the app (bundled into dist/ by `npm run build:main`).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const cli = join(__dirname, '..', 'dist', 'electron', 'cli.mjs');
if (!existsSync(cli)) {
  console.error('kiln: the command-line tool is not built yet. Run `npm run build:main` in the Kiln folder, then try again.');
  process.exit(2);
}
import(pathToFileURL(cli).href).catch((error) => {
  console.error(`kiln: ${error && error.message ? error.message : error}`);
  process.exit(1);
});
