// What the interpreter calls out to (part of the MicroPython worker, see micropython-worker.mjs):
// the `_kiln` module the stand-in Python modules use (stand-in-modules.ts), sys.stdin, and the
// clock. Each call out of WebAssembly is a chance to deliver Ctrl-C and to let output go.

const CR = 0x0d;
/** Sleeps at least this long let the flash save first, so their output is not held back. */
const SAVE_BEFORE_SLEEP_MS = 50;

/**
 * @param {{ uart: import('./worker-uart.mjs').WorkerUart, flash: import('./worker-flash.mjs').WorkerFlash,
 *           identity: { cpuFrequencyHz: number, uniqueId: Uint8Array } }} options
 */
export function createHostCalls({ uart, flash, identity }) {
  /** The port's own sleep busy-waits and cannot be interrupted; this one blocks and wakes on Ctrl-C. */
  function sleepMs(ms) {
    if (!(ms > 0)) {
      uart.deliverInterrupt();
      return null;
    }
    uart.publish(ms >= SAVE_BEFORE_SLEEP_MS);
    const end = performance.now() + ms;
    for (;;) {
      if (uart.deliverInterrupt()) return null;
      const left = end - performance.now();
      if (left <= 0) return null;
      uart.waitForEvent(Math.min(left, 1000));
    }
  }

  /** input() as a board does it: echo, backspace, Enter ends the line; '' when Ctrl-C interrupted it. */
  function readLine(prompt) {
    if (prompt !== undefined && prompt !== null) uart.emitText(String(prompt));
    const line = [];
    let lastWasCr = false;
    for (;;) {
      uart.publish(true);
      const byte = uart.nextByteForProgram();
      if (byte < 0) return '';
      if (byte === 0x0a && lastWasCr) {
        lastWasCr = false;
        continue;
      }
      lastWasCr = byte === CR;
      if (byte === CR || byte === 0x0a) {
        uart.emitText('\r\n');
        break;
      }
      if (byte === 0x08 || byte === 0x7f) {
        if (line.length > 0) {
          line.pop();
          uart.emitText('\b \b');
        }
        continue;
      }
      if (byte >= 0x20 || byte === 0x09) {
        line.push(byte);
        uart.emitByte(byte);
      }
    }
    return new TextDecoder().decode(Uint8Array.from(line));
  }

  /**
   * sys.stdin (no echo, as on a board). Emscripten asks for bytes one call at a time until a read
   * is full; only the first call of a read may block, later ones end the read (undefined) when
   * nothing waits, so sys.stdin.read(1) returns after one byte. Ctrl-C ends it as end of file.
   */
  let stdinReadStarted = false;
  function readStdinByte() {
    if (stdinReadStarted) {
      const byte = uart.nextByte();
      if (byte >= 0) return byte;
      stdinReadStarted = false;
      return undefined;
    }
    uart.publish(true);
    const byte = uart.nextByteForProgram();
    if (byte < 0) return null;
    stdinReadStarted = true;
    return byte;
  }

  const bridge = {
    sleep: (seconds) => sleepMs(Number(seconds) * 1000),
    sleep_ms: (ms) => sleepMs(Number(ms)),
    sleep_us: (us) => sleepMs(Number(us) / 1000),
    input: (prompt) => readLine(prompt),
    fs_used: () => flash.usage(),
    fs_capacity: () => flash.capacity,
    cpu_frequency: () => identity.cpuFrequencyHz,
    unique_id: () => Array.from(identity.uniqueId),
  };

  return {
    /** Registered as the `_kiln` module. */
    bridge,
    /** loadMicroPython's stdin. */
    readStdinByte,
    /** Called when emscripten starts a read on stdin. */
    onStdinRead: () => {
      stdinReadStarted = false;
    },
  };
}

/**
 * The port's time functions spin on Date.now(): every call while code runs is a chance to
 * deliver Ctrl-C and publish output, and when spinning (the port's own busy-wait sleep, or a
 * ticks loop) the thread yields the CPU to the other boards now and then.
 */
export function hookClock(uart) {
  const realNow = Date.now.bind(Date);
  let spinMs = 0;
  let spinCount = 0;
  Date.now = () => {
    const now = realNow();
    if (uart.interpreting) {
      uart.deliverInterrupt();
      uart.publish();
      if (now === spinMs) {
        if (++spinCount > 200) {
          spinCount = 0;
          uart.waitForEvent(1);
        }
      } else {
        spinMs = now;
        spinCount = 0;
      }
    }
    return now;
  };
}
