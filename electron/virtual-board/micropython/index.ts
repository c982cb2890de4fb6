import type { ConsoleRuntime, ConsoleRuntimeFactory, ConsoleRuntimeOptions } from '../console-runtime';
import { MicroPythonRuntimeHost, type MicroPythonRuntimeTuning } from './runtime-host';

/**
 * The firmware a virtual board runs after a reset into a MicroPython image: the official
 * WebAssembly port of MicroPython in a worker thread per board, behind a UART-like byte
 * interface, with its filesystem kept in the board's flash.
 */
export const createMicroPythonRuntime: ConsoleRuntimeFactory = (options) => startMicroPythonRuntime(options);

/** createMicroPythonRuntime with knobs tests and benchmarks may turn. */
export async function startMicroPythonRuntime(
  options: ConsoleRuntimeOptions,
  tuning: MicroPythonRuntimeTuning = {},
): Promise<ConsoleRuntime> {
  const runtime = new MicroPythonRuntimeHost(options, tuning);
  try {
    await runtime.start();
  } catch (error) {
    await runtime.stop();
    throw error;
  }
  return runtime;
}

export type { MicroPythonRuntimeTuning } from './runtime-host';
export { RECOVERY_NOTICE } from './runtime-host';
export { WORKER_FILE_NAME } from './worker-location';
export { decodeFsImage, encodeFsImage, type FsEntry, type FsImageReadResult } from './fs-image';
