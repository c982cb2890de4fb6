import { LinkClosedError, ModemLinesUnsupportedError, type Link, type ModemSignals } from '../../../../electron/serial/link';
import type { ConsoleRuntime } from '../../../../electron/virtual-board/console-runtime';
import { startMicroPythonRuntime } from '../../../../electron/virtual-board/micropython/index';
import { MemoryStorage } from '../virtual-board/micropython/runtime-harness';

export interface RuntimeLinkOptions {
  storage?: MemoryStorage;
  /** Answer raw-paste requests with "R\x00" in front of the runtime, like firmware without it. */
  refuseRawPaste?: boolean;
  interruptGraceMs?: number;
}

/**
 * A Link straight onto a MicroPython runtime, with no board or wire model in between: what a
 * USB-serial port to a board that already runs MicroPython looks like to the host.
 */
export class RuntimeLink implements Link {
  readonly path = 'memory:micropython';
  readonly baudRate = 115200;
  /** Everything the host wrote, for assertions on the protocol. */
  readonly sent: number[] = [];
  private chunks: Uint8Array[] = [];
  private waiter: (() => void) | undefined;
  private closed = false;
  private runtime!: ConsoleRuntime;
  private readonly closeListeners = new Set<(reason: string) => void>();

  private constructor(
    readonly storage: MemoryStorage,
    private readonly refuseRawPaste: boolean,
  ) {}

  static async open(options: RuntimeLinkOptions = {}): Promise<RuntimeLink> {
    const link = new RuntimeLink(options.storage ?? new MemoryStorage(256 * 1024), options.refuseRawPaste ?? false);
    link.runtime = await startMicroPythonRuntime(
      {
        boardName: 'Kiln virtual board with ESP32',
        chip: 'esp32',
        firmwareVersion: 'v1.24.1',
        output: (bytes) => link.receive(bytes),
        storage: link.storage,
      },
      { interruptGraceMs: options.interruptGraceMs ?? 1000 },
    );
    return link;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  private receive(bytes: Uint8Array): void {
    this.chunks.push(bytes.slice());
    this.waiter?.();
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.closed) throw new LinkClosedError(this.path, 'the link was closed');
    this.sent.push(...bytes);
    if (this.refuseRawPaste && bytes.length === 3 && bytes[0] === 0x05 && bytes[1] === 0x41 && bytes[2] === 0x01) {
      this.receive(Uint8Array.of(0x52, 0x00, 0x3e)); // "R\x00>"
      return;
    }
    this.runtime.input(bytes.slice());
  }

  async read(timeoutMs: number): Promise<Uint8Array> {
    if (this.closed) throw new LinkClosedError(this.path, 'the link was closed');
    if (this.chunks.length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waiter = undefined;
          resolve();
        }, timeoutMs);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
      });
    }
    if (this.closed) throw new LinkClosedError(this.path, 'the link was closed');
    const total = this.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const chunk of this.chunks.splice(0)) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  discardInput(): void {
    this.chunks = [];
  }

  async setSignals(_signals: ModemSignals): Promise<void> {
    throw new ModemLinesUnsupportedError(this.path);
  }

  async setBaudRate(): Promise<void> {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiter?.();
    await this.runtime.stop();
    for (const listener of this.closeListeners) listener('the link was closed');
  }

  onClose(listener: (reason: string) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }
}
