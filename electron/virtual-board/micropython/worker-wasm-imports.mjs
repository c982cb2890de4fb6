// Adjustments to what the WebAssembly port imports (part of the MicroPython worker, see
// micropython-worker.mjs), applied as it is instantiated:
// - Linux errno numbers. The port's C library numbers errors the WASI way (ENOENT 44, EEXIST 20,
//   ENOSPC 51), while boards use Linux's (ENOENT 2, as MicroPython's own errno module says).
//   Translating at the system-call boundary makes OSError.errno match a board and errno.ENOENT.
//   EINTR stays as it is: MicroPython's C code compares it against its compiled-in value.
// - A memory limit. The port grows its heap on demand without bound; a board has a few hundred
//   kilobytes. Refusing growth past the limit makes a runaway allocation end in MemoryError
//   instead of taking the host's memory (many boards run at once in classroom mode).

/** ENOSPC as the port's filesystem layer throws it; the boundary turns it into Linux's 28. */
export const WASI_ENOSPC = 51;

const WASI_TO_LINUX = new Map([
  [63, 1], [44, 2], [71, 3], [29, 5], [60, 6], [1, 7], [45, 8], [8, 9], [12, 10], [6, 11], [48, 12], [2, 13],
  [21, 14], [10, 16], [20, 17], [75, 18], [43, 19], [54, 20], [31, 21], [28, 22], [41, 23], [33, 24], [59, 25],
  [74, 26], [22, 27], [51, 28], [70, 29], [69, 30], [34, 31], [64, 32], [18, 33], [68, 34], [16, 35], [37, 36],
  [46, 37], [52, 38], [55, 39], [32, 40], [61, 75], [25, 84], [138, 95], [73, 110],
]);

const MARK = Symbol('kiln errno translation');

function adjustImports(imports, memoryLimitBytes) {
  const env = imports?.env;
  if (!env || env[MARK]) return imports;
  const translated = { ...env, [MARK]: true };
  for (const [name, call] of Object.entries(env)) {
    if (typeof call !== 'function') continue;
    if (name === 'emscripten_resize_heap') {
      // Returning false makes malloc fail, which MicroPython's GC turns into MemoryError.
      translated[name] = (requestedSize) => ((requestedSize >>> 0) > memoryLimitBytes ? false : call(requestedSize));
    } else if (name.startsWith('__syscall_')) {
      // Linux-style system calls: -errno on failure.
      translated[name] = (...args) => {
        const result = call(...args);
        return typeof result === 'number' && result < 0 ? -(WASI_TO_LINUX.get(-result) ?? -result) : result;
      };
    } else if (name.startsWith('fd_')) {
      // WASI calls: the errno itself, 0 for success.
      translated[name] = (...args) => {
        const result = call(...args);
        return typeof result === 'number' && result > 0 ? (WASI_TO_LINUX.get(result) ?? result) : result;
      };
    }
  }
  return { ...imports, env: translated, wasi_snapshot_preview1: translated };
}

/** Applies both adjustments to every WebAssembly instance this thread creates from now on. */
export function adjustWasmImports({ memoryLimitBytes }) {
  const instantiate = WebAssembly.instantiate.bind(WebAssembly);
  WebAssembly.instantiate = (source, imports) => instantiate(source, adjustImports(imports, memoryLimitBytes));
  if (WebAssembly.instantiateStreaming) {
    const instantiateStreaming = WebAssembly.instantiateStreaming.bind(WebAssembly);
    WebAssembly.instantiateStreaming = (source, imports) => instantiateStreaming(source, adjustImports(imports, memoryLimitBytes));
  }
}
