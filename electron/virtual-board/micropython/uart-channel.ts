/**
 * The UART between the board (main thread) and the interpreter's worker thread, in shared
 * memory, both directions.
 *
 * Not postMessage, because the worker spends its life inside synchronous WebAssembly calls:
 * a message to it would wait until the running Python code returns, while input() and the
 * raw-paste reader must see bytes *while* code runs and Ctrl-C must reach a running program
 * the way the UART interrupt does on a real chip. Output goes through shared memory too, so
 * the board can collect what a program printed even when the program then spins forever in
 * WebAssembly (`while True: pass`) and can no longer post anything.
 *
 * Control words (Int32):
 *   SEQ        bumped on every new input byte and interrupt request; the worker sleeps on it
 *   IRQ        a Ctrl-C waits to be delivered to running code: 1 its byte sits in the input ring
 *              at IRQ_POS (the worker drops that byte once the interrupt is delivered), 2 no byte
 *   BUSY       1 while the worker is inside the interpreter (code may be running)
 *   DONE       bumped every time the worker comes back from the interpreter
 *   WRITE/READ input ring: bytes written by the host / taken by the worker (mod 2^32)
 *   IRQ_POS    input ring position of the Ctrl-C byte behind IRQ = 1
 *   OUT_WRITE/OUT_READ  output ring: bytes published by the worker / taken by the host
 *   OUT_IDLE   1 while the host waits for a "wake" message before reading output again
 *   FS_POSTED  filesystem snapshots the worker has posted; output published after a snapshot is
 *              handed on only once that snapshot reached the flash (a host that sees the prompt
 *              may reset the board at once)
 * The worker receives this layout in its workerData, so the numbers live only here.
 */
export const UART_CHANNEL_LAYOUT = {
  SEQ: 0,
  IRQ: 1,
  BUSY: 2,
  DONE: 3,
  WRITE: 4,
  READ: 5,
  IRQ_POS: 6,
  OUT_WRITE: 7,
  OUT_READ: 8,
  OUT_IDLE: 9,
  FS_POSTED: 10,
  controlWords: 16,
  ringOffset: 64,
  /** Powers of two, so indices that wrap at 2^32 stay consistent modulo the ring size. */
  ringSize: 64 * 1024,
  outRingOffset: 64 + 64 * 1024,
  outRingSize: 64 * 1024,
} as const;

export type UartChannelLayout = typeof UART_CHANNEL_LAYOUT;

const L = UART_CHANNEL_LAYOUT;

export function createUartChannelBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(L.outRingOffset + L.outRingSize);
}

/** The board's end of the channel. */
export class UartChannelHost {
  private readonly control: Int32Array;
  private readonly ring: Uint8Array;
  private readonly outRing: Uint8Array;

  constructor(buffer: SharedArrayBuffer) {
    this.control = new Int32Array(buffer, 0, L.controlWords);
    this.ring = new Uint8Array(buffer, L.ringOffset, L.ringSize);
    this.outRing = new Uint8Array(buffer, L.outRingOffset, L.outRingSize);
  }

  /** Input bytes the worker has not taken yet. */
  get pending(): number {
    return (Atomics.load(this.control, L.WRITE) - Atomics.load(this.control, L.READ)) >>> 0;
  }

  /** Room left in the input ring. */
  get free(): number {
    return L.ringSize - this.pending;
  }

  /** Copies as many input bytes as fit; returns how many were taken. */
  write(bytes: Uint8Array): number {
    const count = Math.min(bytes.length, this.free);
    if (count === 0) return 0;
    const write = Atomics.load(this.control, L.WRITE) >>> 0;
    const start = write % L.ringSize;
    const first = Math.min(count, L.ringSize - start);
    this.ring.set(bytes.subarray(0, first), start);
    if (count > first) this.ring.set(bytes.subarray(first, count), 0);
    Atomics.store(this.control, L.WRITE, (write + count) | 0);
    this.wake();
    return count;
  }

  /**
   * Queues a Ctrl-C and asks running code to stop, as the UART interrupt does on a real chip.
   * The byte stays in order in the ring: if no running code takes the interrupt (it finished,
   * or Ctrl-C is disabled) the REPL reads it as a keystroke; otherwise the worker drops it.
   * Returns the byte's ring position, or undefined when the ring is full.
   */
  writeInterrupt(): number | undefined {
    const position = Atomics.load(this.control, L.WRITE);
    if (this.write(Uint8Array.of(0x03)) !== 1) return undefined;
    Atomics.store(this.control, L.IRQ_POS, position);
    Atomics.store(this.control, L.IRQ, 1);
    this.wake();
    return position >>> 0;
  }

  /** Asks running code to stop when the Ctrl-C byte itself had to wait outside the ring. */
  raiseInterrupt(): void {
    Atomics.store(this.control, L.IRQ, 2);
    this.wake();
  }

  /** True while the worker is inside the interpreter, so a Ctrl-C should interrupt rather than queue. */
  get busy(): boolean {
    return Atomics.load(this.control, L.BUSY) === 1;
  }

  /** Counts returns from the interpreter; unchanged over a while means code is still running. */
  get completions(): number {
    return Atomics.load(this.control, L.DONE);
  }

  /** Filesystem snapshots the worker has posted so far. */
  get snapshotsPosted(): number {
    return Atomics.load(this.control, L.FS_POSTED);
  }

  /** How far the board has taken output. */
  get outputTaken(): number {
    return Atomics.load(this.control, L.OUT_READ) >>> 0;
  }

  /** How far the worker has published output; read it before checking snapshotsPosted. */
  get outputPublished(): number {
    return Atomics.load(this.control, L.OUT_WRITE) >>> 0;
  }

  /** Takes the published output up to `upTo` (a value of outputPublished); frees ring space for a waiting worker. */
  readOutput(upTo: number = this.outputPublished): Uint8Array {
    const write = upTo >>> 0;
    const read = Atomics.load(this.control, L.OUT_READ) >>> 0;
    const count = (write - read) >>> 0;
    const bytes = new Uint8Array(count);
    const start = read % L.outRingSize;
    const first = Math.min(count, L.outRingSize - start);
    bytes.set(this.outRing.subarray(start, start + first), 0);
    if (count > first) bytes.set(this.outRing.subarray(0, count - first), first);
    Atomics.store(this.control, L.OUT_READ, write | 0);
    Atomics.notify(this.control, L.OUT_READ);
    return bytes;
  }

  /** Asks for a "wake" message on the next output; returns true if output is already there. */
  armOutputWake(): boolean {
    Atomics.store(this.control, L.OUT_IDLE, 1);
    return Atomics.load(this.control, L.OUT_WRITE) !== Atomics.load(this.control, L.OUT_READ);
  }

  /**
   * Prepares the channel for a fresh worker: interrupt and busy state, output and snapshot
   * counters start over; unread input stays queued for the new interpreter.
   */
  resetForNewWorker(): void {
    Atomics.store(this.control, L.IRQ, 0);
    Atomics.store(this.control, L.BUSY, 0);
    Atomics.store(this.control, L.OUT_WRITE, 0);
    Atomics.store(this.control, L.OUT_READ, 0);
    Atomics.store(this.control, L.OUT_IDLE, 1);
    Atomics.store(this.control, L.FS_POSTED, 0);
  }

  private wake(): void {
    Atomics.add(this.control, L.SEQ, 1);
    Atomics.notify(this.control, L.SEQ);
  }
}
