/**
 * The board side of SLIP: collects frames from received bytes into one preallocated buffer (no
 * per-byte allocation), the way the ROM and the stub read their UART. Bytes outside a frame (noise,
 * a terminal's keystrokes) are ignored; a frame with an invalid escape is dropped; a frame longer
 * than the receive buffer is cut at the buffer's end, as the stub does.
 */
const END = 0xc0;
const ESC = 0xdb;
const ESC_END = 0xdc;
const ESC_ESC = 0xdd;

export class FrameReader {
  private readonly buffer: Uint8Array;
  private length = 0;
  private inFrame = false;
  private escaping = false;
  private broken = false;
  private skipping = false;

  constructor(
    maxFrame: number,
    private readonly onFrame: (frame: Uint8Array) => void,
  ) {
    this.buffer = new Uint8Array(maxFrame);
  }

  push(bytes: Uint8Array): void {
    const buf = this.buffer;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i] as number;
      if (byte === END) {
        if (this.inFrame && this.length > 0 && !this.skipping) {
          if (!this.broken && !this.escaping) this.onFrame(buf.slice(0, this.length));
        }
        // A delimiter both ends a frame and may open the next one.
        this.inFrame = true;
        this.length = 0;
        this.escaping = false;
        this.broken = false;
        this.skipping = false;
        continue;
      }
      if (!this.inFrame || this.skipping) continue;
      let value = byte;
      if (this.escaping) {
        this.escaping = false;
        if (byte === ESC_END) value = END;
        else if (byte === ESC_ESC) value = ESC;
        else {
          this.broken = true;
          continue;
        }
      } else if (byte === ESC) {
        this.escaping = true;
        continue;
      }
      buf[this.length++] = value;
      if (this.length === buf.length) {
        // Receive buffer full: hand over what fits and ignore the rest of this frame.
        if (!this.broken) this.onFrame(buf.slice(0, this.length));
        this.length = 0;
        this.skipping = true;
      }
    }
  }

  reset(): void {
    this.length = 0;
    this.inFrame = false;
    this.escaping = false;
    this.broken = false;
    this.skipping = false;
  }
}
