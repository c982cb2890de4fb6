import { Worker } from 'node:worker_threads';
import type { BoardStorage, ConsoleRuntime, ConsoleRuntimeOptions } from '../console-runtime';
import { firmwareIdentity, type FirmwareIdentity } from './firmware-identity';
import {
  decodeFsImage,
  encodeFsImage,
  FS_IMAGE_ENTRY_HEADER_BYTES,
  FS_IMAGE_HEADER_BYTES,
  fsImageSize,
  type FsEntry,
} from './fs-image';
import { OutputPacer } from './output-pacer';
import { standInModules } from './stand-in-modules';
import { createUartChannelBuffer, UART_CHANNEL_LAYOUT, UartChannelHost } from './uart-channel';
import { UartNewlines } from './uart-newlines';
import { resolveWasmModuleUrl, resolveWorkerPath } from './worker-location';

/**
 * The main-thread side of one board's MicroPython: owns the worker, the UART byte paths, the
 * flash-backed filesystem and the watchdog that rescues a board from code Ctrl-C cannot stop.
 */

export interface MicroPythonRuntimeTuning {
  /** How long running code gets to react to Ctrl-C before the interpreter is restarted. */
  interruptGraceMs?: number;
  /** Initial MicroPython heap; the WebAssembly port grows it on demand, up to memoryLimitBytes. */
  heapBytes?: number;
  /** All the interpreter's WebAssembly memory may grow to; beyond it Python raises MemoryError. */
  memoryLimitBytes?: number;
  /** Console output speed once a burst is spent (default: 115200 baud, 8N1); Infinity: unpaced. */
  uartBytesPerSecond?: number;
  /** Output that passes at once before pacing starts. */
  uartBurstBytes?: number;
  /** Output a program may have waiting before print() blocks, like a board's TX buffer. */
  txBufferBytes?: number;
}

const DEFAULT_INTERRUPT_GRACE_MS = 1000;
const DEFAULT_HEAP_BYTES = 256 * 1024;
/** The port starts with 16 MiB of WebAssembly memory; a board-like program needs far less growth. */
const DEFAULT_MEMORY_LIMIT_BYTES = 64 * 1024 * 1024;
const DEFAULT_UART_BYTES_PER_SECOND = 115_200 / 10;
const DEFAULT_UART_BURST_BYTES = 8 * 1024;
const DEFAULT_TX_BUFFER_BYTES = 4 * 1024;
const BACKLOG_RETRY_MS = 2;
/** Restarts after crashes of the worker itself (not user code) before the board gives up. */
const MAX_CRASH_RESTARTS = 3;

export const RECOVERY_NOTICE =
  '\r\n[Kiln] The program did not stop after Ctrl-C, so the virtual board restarted MicroPython.' +
  ' Your files are kept; boot.py and main.py were skipped this time.\r\n';
const CRASH_NOTICE =
  '\r\n[Kiln] MicroPython stopped unexpectedly on the virtual board and was restarted.' +
  ' Your files are kept; boot.py and main.py were skipped this time.\r\n';

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'wake' }
  | { type: 'fs'; entries: FsEntry[] }
  | { type: 'fatal'; message: string };

/** Reads the filesystem from flash; a blank or damaged region is formatted, as MicroPython does at first boot. */
export function loadFilesystem(storage: BoardStorage): FsEntry[] {
  const result = decodeFsImage(storage.read());
  if (result.status === 'ok') return result.entries;
  storage.write(encodeFsImage([]));
  return [];
}

export class MicroPythonRuntimeHost implements ConsoleRuntime {
  private readonly identity: FirmwareIdentity;
  private readonly channelBuffer = createUartChannelBuffer();
  private readonly channel = new UartChannelHost(this.channelBuffer);
  /** Filesystem snapshots received from the current worker (see FS_POSTED). */
  private snapshotsReceived = 0;
  private readonly newlines = new UartNewlines();
  private readonly backlog: Uint8Array[] = [];
  private backlogTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private worker: Worker | undefined;
  private lastImage: Uint8Array | undefined;
  private stopped = false;
  private crashRestarts = 0;
  /** Ring positions of Ctrl-C bytes sent while the watchdog waits for running code to stop. */
  private readonly unansweredInterrupts: number[] = [];
  private readonly workerPath = resolveWorkerPath();
  private readonly wasmModuleUrl = resolveWasmModuleUrl();
  private readonly graceMs: number;
  private readonly heapBytes: number;
  private readonly memoryLimitBytes: number;
  private readonly txBufferBytes: number;
  private readonly pacer: OutputPacer;
  private outputTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: ConsoleRuntimeOptions,
    tuning: MicroPythonRuntimeTuning = {},
  ) {
    this.identity = firmwareIdentity(options);
    this.graceMs = tuning.interruptGraceMs ?? DEFAULT_INTERRUPT_GRACE_MS;
    this.heapBytes = tuning.heapBytes ?? DEFAULT_HEAP_BYTES;
    this.memoryLimitBytes = tuning.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES;
    this.txBufferBytes = tuning.txBufferBytes ?? DEFAULT_TX_BUFFER_BYTES;
    this.pacer = new OutputPacer(
      tuning.uartBytesPerSecond ?? DEFAULT_UART_BYTES_PER_SECOND,
      tuning.uartBurstBytes ?? DEFAULT_UART_BURST_BYTES,
    );
  }

  /** Starts the interpreter; resolves once it runs (boot.py and main.py may still be running). */
  start(): Promise<void> {
    return this.spawn(undefined);
  }

  input(bytes: Uint8Array): void {
    if (this.stopped || bytes.length === 0) return;
    // A Ctrl-C that reaches running code interrupts it instead of queueing, as the UART
    // interrupt handler does on a real chip; anywhere else it is an ordinary byte.
    let from = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0x03 && this.channel.busy) {
        this.enqueue(bytes.subarray(from, i));
        from = i + 1;
        this.interrupt();
      }
    }
    this.enqueue(bytes.subarray(from));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.watchdog);
    clearTimeout(this.backlogTimer);
    clearTimeout(this.outputTimer);
    this.backlog.length = 0;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private enqueue(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.backlog.length === 0) {
      const taken = this.channel.write(bytes);
      if (taken === bytes.length) return;
      bytes = bytes.subarray(taken);
    }
    // The ring is full (a large paste while code runs): keep the rest and feed it as it drains.
    this.backlog.push(bytes.slice());
    this.scheduleBacklog();
  }

  private scheduleBacklog(): void {
    if (this.backlogTimer !== undefined || this.stopped) return;
    this.backlogTimer = setTimeout(() => {
      this.backlogTimer = undefined;
      while (this.backlog.length > 0) {
        const head = this.backlog[0]!;
        const taken = this.channel.write(head);
        if (taken < head.length) {
          this.backlog[0] = head.subarray(taken);
          break;
        }
        this.backlog.shift();
      }
      if (this.backlog.length > 0) this.scheduleBacklog();
    }, BACKLOG_RETRY_MS);
  }

  private interrupt(): void {
    const position = this.backlog.length > 0 ? undefined : this.channel.writeInterrupt();
    if (position === undefined) {
      this.enqueue(Uint8Array.of(0x03));
      this.channel.raiseInterrupt();
    } else {
      this.unansweredInterrupts.push(position);
    }
    if (this.watchdog !== undefined) return;
    const completionsAtInterrupt = this.channel.completions;
    this.watchdog = setTimeout(() => {
      this.watchdog = undefined;
      if (this.stopped) return;
      if (this.channel.busy && this.channel.completions === completionsAtInterrupt) {
        // Code that never calls out of the interpreter (while True: pass) cannot see Ctrl-C.
        void this.restartAfterRunaway();
      } else {
        this.unansweredInterrupts.length = 0;
      }
    }, this.graceMs);
  }

  private async restartAfterRunaway(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
    if (this.stopped) return;
    // The Ctrl-C bytes that led here were the interrupt; the new interpreter must not read them as keystrokes.
    const consumed = this.unansweredInterrupts.splice(0);
    await this.spawn(RECOVERY_NOTICE, consumed).catch((error: unknown) => this.reportFatal(error));
  }

  /**
   * Starts a worker over the files in flash. With a recovery notice (a restart after a runaway
   * program or a crash) it prints the notice and skips boot.py and main.py.
   */
  private spawn(recoveryNotice: string | undefined, consumedInterrupts: number[] = []): Promise<void> {
    clearTimeout(this.outputTimer);
    this.outputTimer = undefined;
    this.channel.resetForNewWorker();
    this.snapshotsReceived = 0;
    this.newlines.reset();
    const entries = loadFilesystem(this.options.storage);
    this.lastImage = undefined;
    const identity = this.identity;
    const worker = new Worker(this.workerPath, {
      workerData: {
        buffer: this.channelBuffer,
        layout: UART_CHANNEL_LAYOUT,
        wasmModuleUrl: this.wasmModuleUrl,
        files: entries,
        capacity: this.options.storage.size,
        imageHeaderBytes: FS_IMAGE_HEADER_BYTES,
        entryHeaderBytes: FS_IMAGE_ENTRY_HEADER_BYTES,
        identity,
        modules: standInModules(this.options.chip),
        recovered: recoveryNotice !== undefined,
        recoveryNotice,
        consumedInterrupts,
        heapBytes: this.heapBytes,
        memoryLimitBytes: this.memoryLimitBytes,
        txBufferBytes: this.txBufferBytes,
      },
      // The interpreter needs no Node options of the host process (e.g. a test runner's loaders).
      execArgv: [],
    });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (message: WorkerMessage) => {
        if (this.worker !== worker || this.stopped) return;
        switch (message.type) {
          case 'ready':
            ready = true;
            resolve();
            break;
          case 'wake':
            this.deliverOutput();
            break;
          case 'fs':
            this.saveFilesystem(message.entries);
            this.snapshotsReceived++;
            this.deliverOutput();
            break;
          case 'fatal':
            if (!ready) reject(new Error(`MicroPython could not start on the virtual board: ${message.message}`));
            else this.onWorkerCrash(message.message);
            break;
        }
      });
      worker.on('error', (error) => {
        if (this.worker !== worker || this.stopped) return;
        if (!ready) reject(error);
        else this.onWorkerCrash(error.message);
      });
      worker.on('exit', (code) => {
        if (this.worker !== worker || this.stopped || ready) return;
        reject(new Error(`MicroPython stopped while starting on the virtual board (exit code ${code}).`));
      });
    });
  }

  /**
   * Hands published output to the board at UART pace, but none published after a filesystem
   * snapshot that has not reached the flash yet (its 'fs' message calls again).
   */
  private deliverOutput(): void {
    clearTimeout(this.outputTimer);
    this.outputTimer = undefined;
    for (;;) {
      const published = this.channel.outputPublished;
      if (this.channel.snapshotsPosted !== this.snapshotsReceived) return;
      const waiting = (published - this.channel.outputTaken) >>> 0;
      if (waiting > 0) {
        const granted = this.pacer.take(waiting);
        if (granted > 0) {
          const bytes = this.channel.readOutput((this.channel.outputTaken + granted) >>> 0);
          this.options.output(this.newlines.cook(bytes));
        }
        if (granted < waiting) {
          this.outputTimer = setTimeout(() => this.deliverOutput(), Math.max(1, this.pacer.msUntil(waiting - granted)));
          return;
        }
      }
      if (!this.channel.armOutputWake()) return;
    }
  }

  private saveFilesystem(entries: FsEntry[]): void {
    const size = fsImageSize(entries);
    // The worker refuses writes that would not fit, so this only guards the flash region.
    if (size > this.options.storage.size) return;
    const image = encodeFsImage(entries);
    if (this.lastImage && sameBytes(this.lastImage, image)) return;
    this.options.storage.write(image);
    this.lastImage = image;
  }

  private onWorkerCrash(message: string): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    if (this.crashRestarts >= MAX_CRASH_RESTARTS) {
      this.options.output(
        new TextEncoder().encode(`\r\n[Kiln] MicroPython stopped working on the virtual board (${firstLine(message)}). Press RESET to start it again.\r\n`),
      );
      return;
    }
    this.crashRestarts++;
    void this.spawn(CRASH_NOTICE).catch((error: unknown) => this.reportFatal(error));
  }

  private reportFatal(error: unknown): void {
    if (this.stopped) return;
    const message = error instanceof Error ? error.message : String(error);
    this.options.output(new TextEncoder().encode(`\r\n[Kiln] ${firstLine(message)} Press RESET to try again.\r\n`));
  }
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
