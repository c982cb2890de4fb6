// The MicroPython interpreter of one virtual board, in its own worker thread (started by
// runtime-host.ts). Plain JavaScript on purpose: it loads the same way under vitest, tsx and a
// bundled app without a TypeScript loader. What can be pure (filesystem image format, banner
// text, Python stand-in modules, shared-memory layout) is TypeScript next to it and arrives in
// workerData. The worker's parts, all in this folder:
//   worker-uart.mjs        UART bytes both ways through shared memory, Ctrl-C delivery
//   worker-flash.mjs       the user's files, their size limit, snapshots for the board's flash
//   worker-repl.mjs        raw-paste mode, REPL mode tracking, the firmware's banner
//   worker-host-calls.mjs  sleep, input(), sys.stdin and the clock, interruptible
//   worker-wasm-imports.mjs  Linux errno numbers and a memory limit for the WebAssembly port
import { parentPort, workerData } from 'node:worker_threads';
import { FLASH_ROOT, WorkerFlash } from './worker-flash.mjs';
import { createHostCalls, hookClock } from './worker-host-calls.mjs';
import { PYEXEC_FORCED_EXIT, ReplFrontEnd } from './worker-repl.mjs';
import { WorkerUart } from './worker-uart.mjs';
import { adjustWasmImports } from './worker-wasm-imports.mjs';

// The port starts its own command-line REPL on import when process.argv[1] names a folder
// holding it (an Electron app started as `electron .`). Leave it nothing to match.
process.argv.splice(1);

const {
  buffer,
  layout,
  wasmModuleUrl,
  files,
  capacity,
  imageHeaderBytes,
  entryHeaderBytes,
  identity,
  modules,
  recovered,
  recoveryNotice,
  consumedInterrupts,
  heapBytes,
  memoryLimitBytes,
  txBufferBytes,
} = workerData;

/** Where the stand-in modules wait in the emscripten filesystem, outside the user's files. */
const STAND_IN_ROOT = '/kiln';
/** What _kiln_boot.run_file returns when the script raised (pyexec's convention). */
const RUN_FILE_FAILED = 0;

const control = new Int32Array(buffer, 0, layout.controlWords);
const post = (message, transfer) => parentPort.postMessage(message, transfer);
const uart = new WorkerUart({ buffer, layout, post, consumedInterrupts, txBufferBytes });
const flash = new WorkerFlash({
  capacity,
  imageHeaderBytes,
  entryHeaderBytes,
  post,
  countSnapshot: () => Atomics.add(control, layout.FS_POSTED, 1),
});
uart.mayPublish = (force) => flash.readyForOutput(force);
const repl = new ReplFrontEnd({ uart, flash, bannerLine: identity.bannerLine });
const hostCalls = createHostCalls({ uart, flash, identity });
hookClock(uart);
adjustWasmImports({ memoryLimitBytes });

const { loadMicroPython } = await import(wasmModuleUrl);

/** Mounts the user's files as "/", imports the stand-ins from a mount that is removed again. */
const setupScript = `
def _kiln_setup():
    import os, sys
    os.umount('/')
    os.mount(os.VfsPosix('${FLASH_ROOT}'), '/')
    os.chdir('/')
    os.mount(os.VfsPosix('${STAND_IN_ROOT}'), '/_kiln')
    sys.path.insert(0, '/_kiln')
    try:
        for name in ${JSON.stringify(modules.map((module) => module.name))}:
            __import__(name)
    finally:
        sys.path.pop(0)
        os.umount('/_kiln')
    __import__('_kiln_boot').install(${[identity.sysname, identity.release, identity.unameVersion, identity.machine]
      .map((text) => JSON.stringify(text))
      .join(', ')})
_kiln_setup()
del _kiln_setup
`;

async function startInterpreter(entries) {
  const mp = await loadMicroPython({
    // sys.stdin reads the UART; without this the port would read the host process's own stdin.
    stdin: hostCalls.readStdinByte,
    stdout: (bytes) => {
      uart.emitBytes(bytes);
      uart.deliverInterrupt();
    },
    stderr: (bytes) => uart.emitBytes(bytes),
    linebuffer: false,
    heapsize: heapBytes,
  });
  uart.wasm = mp._module;
  flash.attach(mp.FS, entries, { onConsoleWrite: () => uart.publish(), onStdinRead: hostCalls.onStdinRead });
  flash.mkdirs(STAND_IN_ROOT);
  for (const module of modules) mp.FS.writeFile(`${STAND_IN_ROOT}/${module.name}.py`, module.source);
  mp.registerJsModule('_kiln', hostCalls.bridge);
  mp.runPython(setupScript);
  return mp;
}

/** Runs boot.py or main.py as pyexec_file_if_exists does; returns what pyexec would. */
function runBootScript(mp, name) {
  try {
    return uart.inInterpreter(() => mp.runPython(`__import__('_kiln_boot').run_file(${JSON.stringify(name)})`));
  } catch (error) {
    // run_file catches everything itself; this is a Ctrl-C that landed between its lines.
    uart.emitText(`${error?.message ?? String(error)}\n`);
    return RUN_FILE_FAILED;
  } finally {
    uart.publish(true);
  }
}

let announcedReady = false;

/** Starts an interpreter over `entries`, runs boot.py and main.py (unless skipped), starts the REPL. */
async function boot(entries, { runScripts, notice }) {
  for (;;) {
    const mp = await startInterpreter(entries);
    if (!announcedReady) {
      // The runtime counts as started once an interpreter runs, even if main.py never returns.
      announcedReady = true;
      post({ type: 'ready' });
    }
    if (notice) uart.emitText(notice);
    let forcedExit = false;
    if (runScripts) {
      // As the firmware: main.py only in the friendly REPL and only if boot.py went through.
      const bootResult = runBootScript(mp, 'boot.py');
      forcedExit = (bootResult & PYEXEC_FORCED_EXIT) !== 0;
      if (!forcedExit && bootResult !== RUN_FILE_FAILED && repl.mode === 'friendly') {
        forcedExit = (runBootScript(mp, 'main.py') & PYEXEC_FORCED_EXIT) !== 0;
      }
    }
    if (!forcedExit) {
      repl.start(mp);
      return;
    }
    // sys.exit() or machine.reset() in a boot script: soft reboot, as the firmware does.
    flash.saveIfChanged();
    entries = flash.snapshot();
    uart.emitText('MPY: soft reboot\r\n');
  }
}

async function run() {
  await boot(files, { runScripts: !recovered, notice: recovered ? recoveryNotice : undefined });
  for (;;) {
    const byte = uart.nextByte();
    if (byte < 0) {
      uart.publish(true);
      uart.waitForHost(60_000);
      continue;
    }
    repl.processByte(byte);
    if (repl.rebootRequested) {
      repl.rebootRequested = false;
      flash.saveIfChanged();
      const entries = flash.snapshot();
      uart.emitText('MPY: soft reboot\r\n');
      await boot(entries, { runScripts: true });
    }
  }
}

run().catch((error) => {
  post({ type: 'fatal', message: error?.stack ?? String(error) });
});
