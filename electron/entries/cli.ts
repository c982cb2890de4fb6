/**
 * Entry point of the `kiln` command (npx tsx electron/entries/cli.ts …, or the bundled bin).
 * Ctrl-C stops the running operation between blocks; a second Ctrl-C quits at once.
 */
import { runCli } from '../cli/run-cli';

const controller = new AbortController();
let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write('\nStopping after the current block (Ctrl-C again to quit now)...\n');
  controller.abort();
});

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal })
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    process.stderr.write(`A fatal error occurred: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    // Virtual boards and open handles must not keep the process alive once the command is done.
    setTimeout(() => process.exit(process.exitCode ?? 0), 50).unref();
  });
