// `npm start`: the desktop app where the Electron binary is installed; headless mode where it is not.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    // The electron package exports the binary's path, and throws when the download never happened.
    return require('electron');
  } catch {
    return null;
  }
}

const binary = electronBinary();
const args = process.argv.slice(2);
let child;
if (typeof binary === 'string') {
  child = spawn(binary, ['dist/electron/main.mjs', ...args], { stdio: 'inherit' });
} else {
  console.log('The Electron binary is not installed here, so Kiln starts in headless mode (open the address below in a browser).');
  child = spawn(process.execPath, ['dist/electron/headless.mjs', ...args], { stdio: 'inherit' });
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
