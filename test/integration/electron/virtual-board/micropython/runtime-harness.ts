import type { BoardStorage, ConsoleRuntime } from '../../../../../electron/virtual-board/console-runtime';
import { startMicroPythonRuntime, type MicroPythonRuntimeTuning } from '../../../../../electron/virtual-board/micropython/index';
import type { ChipFamily } from '../../../../../shared/types/chips';

/** A flash region in memory, with NOR semantics for what the runtime sees: write() erases then programs. */
export class MemoryStorage implements BoardStorage {
  bytes: Uint8Array;
  writes = 0;

  constructor(readonly size: number, fill = 0xff) {
    this.bytes = new Uint8Array(size).fill(fill);
  }

  read(): Uint8Array {
    return this.bytes.slice();
  }

  write(data: Uint8Array): void {
    if (data.length > this.size) throw new RangeError('write past the end of the storage region');
    const sector = 4096;
    const erased = Math.min(this.size, Math.ceil(data.length / sector) * sector);
    this.bytes.fill(0xff, 0, erased);
    this.bytes.set(data, 0);
    this.writes++;
  }
}

export interface ConsoleOptions {
  storage?: MemoryStorage;
  chip?: ChipFamily;
  firmwareVersion?: string;
  boardName?: string;
  tuning?: MicroPythonRuntimeTuning;
}

/** Drives a runtime like a terminal: send text, wait for text, everything as latin1 strings. */
export class RuntimeConsole {
  private received = '';
  private cursor = 0;
  private waiters: (() => void)[] = [];

  private constructor(
    readonly runtime: ConsoleRuntime,
    readonly storage: MemoryStorage,
  ) {}

  static async start(options: ConsoleOptions = {}): Promise<RuntimeConsole> {
    const storage = options.storage ?? new MemoryStorage(128 * 1024);
    // Output can arrive before the console object exists (the banner); park it until then.
    const sink: { console?: RuntimeConsole } = {};
    const pending: Uint8Array[] = [];
    const runtime = await startMicroPythonRuntime(
      {
        boardName: options.boardName ?? 'Kiln virtual board with ESP32',
        chip: options.chip ?? 'esp32',
        firmwareVersion: options.firmwareVersion ?? 'v1.24.1',
        output: (bytes) => (sink.console ? sink.console.push(bytes) : pending.push(bytes.slice())),
        storage,
      },
      options.tuning,
    );
    const harness = new RuntimeConsole(runtime, storage);
    for (const bytes of pending) harness.push(bytes);
    sink.console = harness;
    return harness;
  }

  private push(bytes: Uint8Array): void {
    this.received += Buffer.from(bytes).toString('latin1');
    for (const wake of this.waiters.splice(0)) wake();
  }

  send(text: string | Uint8Array): void {
    this.runtime.input(typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
  }

  /** Everything received after the last consumed position, without consuming it. */
  get unread(): string {
    return this.received.slice(this.cursor);
  }

  /** Waits for `pattern` after the cursor; returns the text up to and including it and moves past it. */
  async waitFor(pattern: string | RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.received.slice(this.cursor);
      let end = -1;
      if (typeof pattern === 'string') {
        const at = rest.indexOf(pattern);
        if (at >= 0) end = at + pattern.length;
      } else {
        const match = pattern.exec(rest);
        if (match) end = match.index + match[0].length;
      }
      if (end >= 0) {
        this.cursor += end;
        return rest.slice(0, end);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`Timed out waiting for ${JSON.stringify(String(pattern))}; received ${JSON.stringify(rest)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a line at the friendly REPL and returns what it printed before the next prompt. */
  async repl(line: string, timeoutMs = 10_000): Promise<string> {
    this.send(`${line}\r`);
    const text = await this.waitFor('>>> ', timeoutMs);
    const echo = `${line}\r\n`;
    return text.startsWith(echo) ? text.slice(echo.length, -'>>> '.length) : text.slice(0, -'>>> '.length);
  }

  /** Waits until nothing arrives for quietMs. */
  async settle(quietMs = 150): Promise<void> {
    let length = -1;
    while (length !== this.received.length) {
      length = this.received.length;
      await new Promise((resolve) => setTimeout(resolve, quietMs));
    }
  }

  skipAll(): void {
    this.cursor = this.received.length;
  }

  stop(): Promise<void> {
    return this.runtime.stop();
  }
}
