/**
 * SLIP framing (RFC 1055) as Espressif's serial protocol uses it: every packet starts and ends
 * with 0xC0; inside, 0xC0 is sent as 0xDB 0xDC and 0xDB as 0xDB 0xDD.
 * Used by both the engine and the virtual board: the framing is the one thing both sides
 * must agree on letter for letter, and it is pinned by its own unit tests.
 */
export const SLIP_END = 0xc0;
export const SLIP_ESC = 0xdb;
export const SLIP_ESC_END = 0xdc;
export const SLIP_ESC_ESC = 0xdd;

export function slipEncode(payload: Uint8Array): Uint8Array {
  let escapes = 0;
  for (const byte of payload) if (byte === SLIP_END || byte === SLIP_ESC) escapes += 1;
  const out = new Uint8Array(payload.length + escapes + 2);
  let o = 0;
  out[o++] = SLIP_END;
  for (const byte of payload) {
    if (byte === SLIP_END) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_END;
    } else if (byte === SLIP_ESC) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_ESC;
    } else {
      out[o++] = byte;
    }
  }
  out[o] = SLIP_END;
  return out;
}

/** What the decoder hands out: complete packets, and bytes seen outside any packet (boot log, noise). */
export interface SlipChunk {
  packets: Uint8Array[];
  /** Bytes received between packets: a ROM boot message, a stub's "OHAI" is a packet, noise is here. */
  stray: Uint8Array;
  /** Packets that contained an invalid escape sequence and were dropped. */
  malformed: number;
}

/**
 * Incremental decoder: feed it whatever the link delivered, get complete packets back.
 * Keeps a partial packet between calls.
 */
export class SlipDecoder {
  private packet: number[] = [];
  private inPacket = false;
  private escaping = false;
  private broken = false;

  push(bytes: Uint8Array): SlipChunk {
    const packets: Uint8Array[] = [];
    const stray: number[] = [];
    let malformed = 0;
    for (const byte of bytes) {
      if (!this.inPacket) {
        if (byte === SLIP_END) {
          this.inPacket = true;
          this.packet = [];
          this.escaping = false;
          this.broken = false;
        } else {
          stray.push(byte);
        }
        continue;
      }
      if (byte === SLIP_END) {
        if (this.packet.length === 0 && !this.broken) continue; // back-to-back delimiters: still waiting for data
        if (this.broken || this.escaping) malformed += 1;
        else packets.push(Uint8Array.from(this.packet));
        this.inPacket = false;
        this.packet = [];
        continue;
      }
      if (this.escaping) {
        this.escaping = false;
        if (byte === SLIP_ESC_END) this.packet.push(SLIP_END);
        else if (byte === SLIP_ESC_ESC) this.packet.push(SLIP_ESC);
        else this.broken = true;
      } else if (byte === SLIP_ESC) {
        this.escaping = true;
      } else {
        this.packet.push(byte);
      }
    }
    return { packets, stray: Uint8Array.from(stray), malformed };
  }

  reset(): void {
    this.packet = [];
    this.inPacket = false;
    this.escaping = false;
    this.broken = false;
  }
}
