import type { ConsoleRuntimeFactory } from '../console-runtime';

/**
 * The real MicroPython runtime, loaded on first use: most sessions only flash a board and never
 * boot it, and the WebAssembly port is worth not loading for them.
 */
export const microPythonOnDemand: ConsoleRuntimeFactory = async (options) => (await import('./index')).createMicroPythonRuntime(options);
