// The worker's end of the UART channel (part of the MicroPython worker, see micropython-worker.mjs;
// the layout and the board's end are in uart-channel.ts).
//
// Input: bytes come from the shared ring into a queue that remembers each byte's ring position,
// so a Ctrl-C byte that was delivered as an interrupt can be skipped when the REPL reaches it.
// Output: bytes go straight into the shared output ring; publishing them (moving OUT_WRITE)
// lets the board take them even while this thread then spins in a loop that never calls out.

const CTRL_C = 0x03;

export class WorkerUart {
  /**
   * @param {{ buffer: SharedArrayBuffer, layout: Record<string, number>, post: (message: object) => void,
   *           consumedInterrupts: number[], txBufferBytes: number }} options
   */
  constructor({ buffer, layout, post, consumedInterrupts, txBufferBytes }) {
    this.layout = layout;
    this.txBufferBytes = Math.min(txBufferBytes, layout.outRingSize);
    this.post = post;
    this.control = new Int32Array(buffer, 0, layout.controlWords);
    this.ring = new Uint8Array(buffer, layout.ringOffset, layout.ringSize);
    this.outRing = new Uint8Array(buffer, layout.outRingOffset, layout.outRingSize);

    /** Bytes taken from the ring; queue[queueHead] is next, at ring position queueStart + queueHead. */
    this.queue = [];
    this.queueHead = 0;
    this.queueStart = 0;
    /** Ring positions of Ctrl-C bytes already delivered as interrupts, skipped when reached. */
    this.swallowed = new Set(consumedInterrupts);

    /** The running interpreter's exports, for the interrupt character and scheduling KeyboardInterrupt. */
    this.wasm = null;
    this.interpreting = false;
    /** SEQ as waitForEvent last saw it. */
    this.seenSeq = 0;

    /** End of what was written into the output ring; published <= end (mod 2^32). */
    this.outEnd = 0;
    this.outPublished = 0;
    /** While > 0 nothing is published, so a region just written can still be rewritten. */
    this.holds = 0;
    /** Bytes expected next from the interpreter that must not reach the board. */
    this.dropNext = null;
    /** Recent output while someone watches for a banner. */
    this.tail = null;
    /** Asked before publishing: may output go out now? (The flash saves first; see WorkerFlash.) */
    this.mayPublish = () => true;
  }

  // --- input ----------------------------------------------------------------------------------

  /** Position of the next byte to process; every byte before it was processed. */
  processedUpTo() {
    return (this.queueStart + this.queueHead) >>> 0;
  }

  takeFromRing() {
    const { control, layout } = this;
    const write = Atomics.load(control, layout.WRITE) >>> 0;
    const read = Atomics.load(control, layout.READ) >>> 0;
    const count = (write - read) >>> 0;
    if (count === 0) return false;
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
      this.queueStart = read;
    } else if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueStart = (this.queueStart + this.queueHead) >>> 0;
      this.queueHead = 0;
    }
    for (let i = 0; i < count; i++) this.queue.push(this.ring[(read + i) % layout.ringSize]);
    Atomics.store(control, layout.READ, (read + count) | 0);
    return true;
  }

  /** The next queued byte, or -1; skips Ctrl-C bytes that already interrupted code. */
  dequeue() {
    const { control, layout } = this;
    while (this.queueHead < this.queue.length) {
      const position = this.processedUpTo();
      const byte = this.queue[this.queueHead++];
      if (byte === CTRL_C) {
        if (this.swallowed.delete(position)) continue;
        // Reached as a keystroke: its interrupt request, if still pending, is spent.
        if (Atomics.load(control, layout.IRQ) === 1 && Atomics.load(control, layout.IRQ_POS) >>> 0 === position) {
          Atomics.compareExchange(control, layout.IRQ, 1, 0);
        }
      }
      return byte;
    }
    return -1;
  }

  /** The next input byte without waiting, or -1. */
  nextByte() {
    for (;;) {
      const byte = this.dequeue();
      if (byte >= 0) return byte;
      if (!this.takeFromRing()) return -1;
    }
  }

  /**
   * Sleeps until something new arrives from the board (a byte, an interrupt request) since the
   * last call, or the time runs out. Unlike waitForHost it does not return at once while input
   * waits unread: for code that sleeps and leaves the input to others.
   */
  waitForEvent(timeoutMs) {
    const seq = Atomics.load(this.control, this.layout.SEQ);
    if (seq !== this.seenSeq) {
      this.seenSeq = seq;
      return;
    }
    Atomics.wait(this.control, this.layout.SEQ, seq, timeoutMs);
    this.seenSeq = Atomics.load(this.control, this.layout.SEQ);
  }

  /** Sleeps until there is input to take or an interrupt request, or the time runs out. */
  waitForHost(timeoutMs) {
    const { control, layout } = this;
    const seq = Atomics.load(control, layout.SEQ);
    if (((Atomics.load(control, layout.WRITE) - Atomics.load(control, layout.READ)) >>> 0) > 0) return;
    Atomics.wait(control, layout.SEQ, seq, timeoutMs);
  }

  /** The next byte for code that reads the UART while it runs; -1 when Ctrl-C interrupted it. */
  nextByteForProgram() {
    for (;;) {
      if (this.deliverInterrupt()) return -1;
      const byte = this.nextByte();
      if (byte >= 0) return byte;
      this.publish(true);
      this.waitForHost(1000);
    }
  }

  /**
   * Hands a pending Ctrl-C to MicroPython when code runs with Ctrl-C enabled (pyexec sets the
   * interrupt character only while it runs code), as the UART interrupt handler does.
   */
  deliverInterrupt() {
    const { control, layout } = this;
    if (!this.interpreting || Atomics.load(control, layout.IRQ) === 0) return false;
    if (this.wasm._mp_hal_get_interrupt_char() !== CTRL_C) return false;
    const kind = Atomics.exchange(control, layout.IRQ, 0);
    if (kind === 0) return false;
    if (kind === 1) {
      const position = Atomics.load(control, layout.IRQ_POS) >>> 0;
      const behind = (this.processedUpTo() - position) >>> 0;
      // Read as a keystroke before the request was seen: nothing left to interrupt with.
      if (behind !== 0 && behind < 0x80000000) return false;
      this.swallowed.add(position);
    }
    this.wasm._mp_sched_keyboard_interrupt();
    return true;
  }

  /** A request whose Ctrl-C byte waited outside the ring found no code to stop; the byte comes as a keystroke. */
  dropUnpositionedInterrupt() {
    Atomics.compareExchange(this.control, this.layout.IRQ, 2, 0);
  }

  /** Runs a call into the interpreter, telling the board that code may be running. */
  inInterpreter(call) {
    const { control, layout } = this;
    Atomics.store(control, layout.BUSY, 1);
    this.interpreting = true;
    try {
      return call();
    } finally {
      this.interpreting = false;
      Atomics.store(control, layout.BUSY, 0);
      Atomics.add(control, layout.DONE, 1);
    }
  }

  // --- output ---------------------------------------------------------------------------------

  /**
   * Room before a write must wait: the TX buffer's size, as on a board; the whole ring while
   * output is held for rewriting (it cannot be published, so waiting for the board would hang).
   */
  outputRoom() {
    const limit = this.holds > 0 ? this.layout.outRingSize : this.txBufferBytes;
    return limit - ((this.outEnd - (Atomics.load(this.control, this.layout.OUT_READ) >>> 0)) >>> 0);
  }

  /** Publishes what was written, unless held or the flash asks to wait (force: it must not). */
  publish(force = false) {
    if (this.outEnd === this.outPublished || this.holds > 0) return;
    if (!this.mayPublish(force)) return;
    const { control, layout } = this;
    this.outPublished = this.outEnd;
    Atomics.store(control, layout.OUT_WRITE, this.outPublished | 0);
    if (Atomics.exchange(control, layout.OUT_IDLE, 0) === 1) this.post({ type: 'wake' });
  }

  /** A program printing faster than the board takes bytes waits, as it would on a real UART. */
  waitForRoom() {
    this.publish(true);
    while (this.outputRoom() <= 0) {
      this.deliverInterrupt();
      const read = Atomics.load(this.control, this.layout.OUT_READ);
      if (this.outputRoom() > 0) break;
      Atomics.wait(this.control, this.layout.OUT_READ, read, 100);
    }
  }

  writeRaw(byte) {
    if (this.outputRoom() <= 0) this.waitForRoom();
    this.outRing[this.outEnd % this.layout.outRingSize] = byte;
    this.outEnd = (this.outEnd + 1) >>> 0;
  }

  emitByte(byte) {
    if (this.dropNext !== null) {
      const expected = this.dropNext[0];
      this.dropNext = this.dropNext.length > 1 ? this.dropNext.subarray(1) : null;
      if (byte === expected) return;
      this.dropNext = null;
    }
    this.writeRaw(byte);
    if (this.tail !== null) this.tail = (this.tail + String.fromCharCode(byte)).slice(-64);
  }

  emitBytes(bytes) {
    for (const byte of bytes) this.emitByte(byte);
  }

  emitText(text) {
    this.emitBytes(new TextEncoder().encode(text));
  }

  /** Output written since `start` (a value of outEnd) and not yet published. */
  outputSince(start) {
    const count = (this.outEnd - start) >>> 0;
    const bytes = new Uint8Array(count);
    for (let i = 0; i < count; i++) bytes[i] = this.outRing[(start + i) % this.layout.outRingSize];
    return bytes;
  }

  /** Replaces unpublished output from `start` on. */
  replaceOutputSince(start, bytes) {
    this.outEnd = start;
    for (const byte of bytes) this.writeRaw(byte);
  }

  /** Runs `work` with publishing held, so its output can be rewritten afterwards. */
  holding(work) {
    this.holds++;
    try {
      return work();
    } finally {
      this.holds--;
    }
  }

  /** Drops `bytes` if the interpreter prints exactly them next (the raw REPL's "OK" in raw-paste). */
  dropIfNext(bytes) {
    this.dropNext = bytes;
  }

  /** Collects the last output bytes from now on; stopWatching returns them. */
  watchTail() {
    this.tail = '';
  }

  stopWatching() {
    const seen = this.tail ?? '';
    this.tail = null;
    return seen;
  }
}
