/**
 * A scripted Link for unit tests: host writes are SLIP-decoded and handed to `respond`, whose
 * answers (packets, or raw bytes for boot-log noise) come back on the next read. Just enough of
 * a board to exercise one protocol rule at a time; the virtual board covers the real thing.
 */
import { LinkClosedError, ModemLinesUnsupportedError, type Link, type ModemSignals } from '../../../../electron/serial/link';
import { SlipDecoder, slipEncode } from '../../../../electron/esp/slip';

export type Reply = Uint8Array | { raw: Uint8Array };
export type Responder = (packet: Uint8Array) => Reply[] | undefined;

export class FakeLink implements Link {
  readonly path = 'fake:0';
  baudRate = 115200;
  isOpen = true;
  readonly signals: ModemSignals[] = [];
  readonly packets: Uint8Array[] = [];
  modemLines = true;
  private readonly decoder = new SlipDecoder();
  private pending: Uint8Array[] = [];
  private waiter: (() => void) | null = null;
  private readonly closeListeners = new Set<(reason: string) => void>();

  constructor(public respond: Responder = () => undefined) {}

  /** Queue bytes as if the board sent them unprompted. */
  inject(reply: Reply): void {
    this.pending.push('raw' in reply ? reply.raw : slipEncode(reply));
    this.waiter?.();
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.isOpen) throw new LinkClosedError(this.path, 'closed');
    for (const packet of this.decoder.push(bytes).packets) {
      this.packets.push(packet);
      for (const reply of this.respond(packet) ?? []) this.inject(reply);
    }
  }

  async read(timeoutMs: number): Promise<Uint8Array> {
    if (!this.isOpen) throw new LinkClosedError(this.path, 'closed');
    if (this.pending.length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
    const total = this.pending.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const chunk of this.pending) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    this.pending = [];
    return out;
  }

  discardInput(): void {
    this.pending = [];
  }

  async setSignals(signals: ModemSignals): Promise<void> {
    if (!this.modemLines) throw new ModemLinesUnsupportedError(this.path);
    this.signals.push(signals);
  }

  async setBaudRate(baud: number): Promise<void> {
    this.baudRate = baud;
  }

  async close(): Promise<void> {
    this.isOpen = false;
    for (const listener of this.closeListeners) listener('closed');
  }

  onClose(listener: (reason: string) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }
}

/** A response packet: direction 1, op, size, value, body. */
export function response(op: number, value: number, body: number[] | Uint8Array = [0, 0]): Uint8Array {
  const data = Uint8Array.from(body);
  const out = new Uint8Array(8 + data.length);
  const view = new DataView(out.buffer);
  out[0] = 1;
  out[1] = op;
  view.setUint16(2, data.length, true);
  view.setUint32(4, value >>> 0, true);
  out.set(data, 8);
  return out;
}

export function u32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
}
