import type { Link } from '../../serial/link';

/**
 * A Web Serial port (the shape esptool-js's Transport drives) on top of a Link, so a browser-side
 * client such as esptool-js can talk to a virtual board in Node: the esptool-js integration test
 * and the benchmark's peer rows use it. Like the Web Serial API, `readable`/`writable` hand out a
 * fresh stream after the previous one was cancelled or closed while the port stays open.
 */
export class WebSerialOverLink {
  private opened = false;
  private readableStream: ReadableStream<Uint8Array> | null = null;
  private writableStream: WritableStream<Uint8Array> | null = null;

  constructor(private readonly link: Link) {}

  get readable(): ReadableStream<Uint8Array> | null {
    if (!this.opened) return null;
    if (!this.readableStream) this.readableStream = this.makeReadable();
    return this.readableStream;
  }

  get writable(): WritableStream<Uint8Array> | null {
    if (!this.opened) return null;
    if (!this.writableStream) this.writableStream = this.makeWritable();
    return this.writableStream;
  }

  async open(options: { baudRate: number }): Promise<void> {
    await this.link.setBaudRate(options.baudRate);
    this.opened = true;
  }

  async close(): Promise<void> {
    this.opened = false;
    this.readableStream = null;
    this.writableStream = null;
  }

  async setSignals(signals: { dataTerminalReady?: boolean; requestToSend?: boolean }): Promise<void> {
    await this.link.setSignals({ dtr: signals.dataTerminalReady, rts: signals.requestToSend });
  }

  getInfo(): { usbVendorId: number; usbProductId: number } {
    return { usbVendorId: 0x10c4, usbProductId: 0xea60 }; // a CP2102
  }

  private makeReadable(): ReadableStream<Uint8Array> {
    let cancelled = false;
    const stream: ReadableStream<Uint8Array> = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          while (!cancelled && this.opened) {
            let bytes: Uint8Array;
            try {
              bytes = await this.link.read(50);
            } catch (error) {
              controller.error(error);
              return;
            }
            if (bytes.length > 0) {
              controller.enqueue(bytes);
              return;
            }
          }
        },
        cancel: () => {
          cancelled = true;
          if (this.readableStream === stream) this.readableStream = null;
        },
      },
      // Pull only when a reader asks: a stream nobody reads must not take bytes off the link.
      { highWaterMark: 0 },
    );
    return stream;
  }

  private makeWritable(): WritableStream<Uint8Array> {
    const stream: WritableStream<Uint8Array> = new WritableStream<Uint8Array>({
      write: (chunk) => this.link.write(chunk),
      close: () => {
        if (this.writableStream === stream) this.writableStream = null;
      },
    });
    return stream;
  }
}
