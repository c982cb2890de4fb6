// The REPL as the host sees it (part of the MicroPython worker, see micropython-worker.mjs).
//
// Friendly and raw REPL are MicroPython's own event-driven C code (pyexec); this front end only
// - mirrors which mode pyexec is in (the port does not expose it), to know where a line starts;
// - answers raw-paste mode (Ctrl-E 'A' Ctrl-A) itself, because the port's stdin cannot block
//   inside pyexec's reader, then runs the block through the raw REPL;
// - prints the flashed firmware's banner instead of the port's ("...; JS with Emscripten").

const CTRL_A = 0x01;
const CTRL_B = 0x02;
const CTRL_C = 0x03;
const CTRL_D = 0x04;
const CTRL_E = 0x05;
const CR = 0x0d;
/** What pyexec returns when the REPL asks for a soft reset (Ctrl-D, sys.exit()). */
export const PYEXEC_FORCED_EXIT = 0x100;
/** Firmware announces half of MICROPY_REPL_STDIN_BUFFER_MAX (256) as its raw-paste window. */
const RAW_PASTE_WINDOW = 128;
export const RAW_REPL_BANNER = 'raw REPL; CTRL-B to exit\r\n';

const utf8 = new TextEncoder();

export class ReplFrontEnd {
  /**
   * @param {{ uart: import('./worker-uart.mjs').WorkerUart, flash: import('./worker-flash.mjs').WorkerFlash,
   *           bannerLine: string }} options
   */
  constructor({ uart, flash, bannerLine }) {
    this.uart = uart;
    this.flash = flash;
    this.bannerLine = bannerLine;
    this.mp = null;
    /** 'friendly' or 'raw', as pyexec_mode_kind; survives soft reboots as it does on a board. */
    this.mode = 'friendly';
    /** Length of the raw REPL's line buffer, mirrored, to spot a raw-paste request at a line start. */
    this.rawLength = 0;
    /** Bytes of a possible raw-paste request (Ctrl-E, command) held back from the interpreter. */
    this.held = [];
    /** Set when pyexec asked for a soft reset; the worker reboots before the next byte. */
    this.rebootRequested = false;
    /** Friendly mode: nothing typed on the current line yet, and the last prompt was ">>> " (not "... "). */
    this.lineEmpty = true;
    this.atPrompt = true;
  }

  /** Starts the REPL of a fresh interpreter in the current mode, printing what a board prints. */
  start(mp) {
    this.mp = mp;
    this.lineEmpty = true;
    this.atPrompt = true;
    this.rawLength = 0;
    this.held = [];
    const { uart } = this;
    uart.holding(() => {
      const start = uart.outEnd;
      mp.replInit();
      if (this.mode === 'raw') {
        // The fresh interpreter starts friendly; switch it quietly.
        mp.replProcessChar(CTRL_A);
        uart.replaceOutputSince(start, utf8.encode(`${RAW_REPL_BANNER}>`));
      } else {
        // A board prints its banner at the start of a line; the event-driven REPL adds "\r\n" first.
        const region = uart.outputSince(start);
        if (region[0] === CR && region[1] === 0x0a) uart.replaceOutputSince(start, region.subarray(2));
        this.rewriteBanner(start);
      }
    });
    uart.publish();
  }

  /** Replaces the port's banner line in output not yet published. */
  rewriteBanner(start) {
    const { uart } = this;
    const region = uart.outputSince(start);
    const text = Buffer.from(region).toString('latin1');
    const begin = text.indexOf('MicroPython ');
    if (begin < 0) return;
    const lineEnd = text.indexOf('\r\n', begin);
    const end = lineEnd < 0 ? text.length : lineEnd;
    uart.replaceOutputSince(start, Buffer.concat([region.subarray(0, begin), utf8.encode(this.bannerLine), region.subarray(end)]));
  }

  processByte(byte) {
    if (this.mode === 'friendly') {
      // Enter on an empty line at ">>> " only prints a new prompt on a board; the WebAssembly
      // port would compile the empty line and raise SyntaxError.
      if (byte === CR && this.lineEmpty && this.atPrompt) {
        this.uart.emitText('\r\n>>> ');
        this.uart.publish();
        return;
      }
      if (byte === CR || byte === CTRL_C || byte === CTRL_D) this.lineEmpty = true;
      else if ((byte >= 0x20 && byte !== 0x7f) || byte === 0x09 || byte === 0x1b) this.lineEmpty = false;
    }
    if (this.mode === 'raw') {
      if (this.held.length === 0 && this.rawLength === 0 && byte === CTRL_E) {
        this.held.push(byte);
        return;
      }
      if (this.held.length === 1) {
        this.held.push(byte);
        return;
      }
      if (this.held.length === 2) {
        const command = this.held[1];
        this.held = [];
        if (byte === CTRL_A) {
          this.rawPaste(command);
          return;
        }
        this.callRepl(CTRL_E);
        this.callRepl(command);
      }
    }
    this.callRepl(byte);
  }

  callRepl(byte) {
    const { uart, mp } = this;
    const watchForRawMode = this.mode === 'friendly' && byte === CTRL_A;
    const friendly = this.mode === 'friendly';
    if (friendly) uart.watchTail();
    let result;
    if (byte === CTRL_B) {
      // Ctrl-B prints the banner (friendly reset, or leaving raw mode): rewrite it before it goes out.
      result = uart.holding(() => {
        const start = uart.outEnd;
        const returned = uart.inInterpreter(() => mp.replProcessChar(byte));
        this.rewriteBanner(start);
        return returned;
      });
    } else {
      result = uart.inInterpreter(() => mp.replProcessChar(byte));
    }
    if (this.mode === 'raw' && !friendly) {
      if (byte === CTRL_B) {
        this.mode = 'friendly';
        this.lineEmpty = true;
        this.atPrompt = true;
      }
      if (byte === CTRL_A || byte === CTRL_B || byte === CTRL_C || byte === CTRL_D) this.rawLength = 0;
      else this.rawLength++;
    } else if (friendly) {
      const tail = uart.stopWatching();
      if (watchForRawMode && tail.endsWith(`${RAW_REPL_BANNER}>`)) {
        this.mode = 'raw';
        this.rawLength = 0;
      } else if (tail.length > 0) {
        this.atPrompt = tail.endsWith('>>> ');
      }
    }
    if (result & PYEXEC_FORCED_EXIT) {
      this.rebootRequested = true;
      return;
    }
    uart.dropUnpositionedInterrupt();
    // A command finished: its files reach the flash before its prompt reaches the host.
    if ((this.mode === 'friendly' && byte === CR) || byte === CTRL_D) this.flash.saveIfChanged();
    uart.publish();
  }

  /** Raw-paste mode, answered as firmware does: window size, flow control, end acknowledged. */
  rawPaste(command) {
    const { uart, mp } = this;
    this.rawLength = 0;
    if (command !== 0x41) {
      uart.emitText('R\x00>');
      uart.publish(true);
      return;
    }
    uart.emitBytes([0x52, 0x01, RAW_PASTE_WINDOW & 0xff, RAW_PASTE_WINDOW >> 8, 0x01]);
    uart.publish(true);
    const source = [];
    let windowLeft = RAW_PASTE_WINDOW;
    let interrupted = false;
    for (;;) {
      const byte = uart.nextByte();
      if (byte < 0) {
        uart.publish(true);
        uart.waitForHost(1000);
        continue;
      }
      if (byte === CTRL_C || byte === CTRL_D) {
        uart.emitByte(CTRL_D); // end of data acknowledged
        interrupted = byte === CTRL_C;
        break;
      }
      source.push(byte);
      if (--windowLeft === 0) {
        uart.emitByte(0x01); // room for another window
        windowLeft = RAW_PASTE_WINDOW;
        uart.publish(true);
      }
    }
    if (interrupted) {
      uart.emitText('\x04KeyboardInterrupt: \r\n\x04>');
      uart.publish(true);
      return;
    }
    // Run the block through the port's own raw REPL, so output, EOF markers and tracebacks are
    // MicroPython's; only its "OK" is hidden, which raw-paste does not send. Bytes the raw REPL
    // would take as commands become escapes (in valid code they can only sit in string literals).
    const escaped = [];
    for (const byte of source) {
      if (byte === CTRL_A || byte === CTRL_B || byte === CTRL_E) escaped.push(...utf8.encode(`\\x0${byte}`));
      else escaped.push(byte);
    }
    if (escaped.length === 0) escaped.push(0x0a); // an empty block must not read as "soft reset"
    for (const byte of escaped) uart.inInterpreter(() => mp.replProcessChar(byte));
    uart.dropIfNext(Uint8Array.of(0x4f, 0x4b));
    this.callRepl(CTRL_D);
    uart.dropIfNext(null);
  }
}
