import { describe, expect, it } from 'vitest';
import { SlipDecoder, slipEncode } from '../../../../electron/esp/slip';

describe('SLIP framing (RFC 1055, as the ESP serial protocol uses it)', () => {
  it('delimits with 0xC0 and escapes 0xC0 and 0xDB', () => {
    expect([...slipEncode(Uint8Array.from([0x01, 0xc0, 0x02, 0xdb, 0x03]))]).toEqual([0xc0, 0x01, 0xdb, 0xdc, 0x02, 0xdb, 0xdd, 0x03, 0xc0]);
    expect([...slipEncode(new Uint8Array(0))]).toEqual([0xc0, 0xc0]);
  });

  it('decodes packets split across arbitrary chunks and reports stray bytes', () => {
    const payload = Uint8Array.from([0x01, 0xc0, 0xdb, 0x7f]);
    const wire = Uint8Array.from([0x41, 0x42, ...slipEncode(payload), ...slipEncode(Uint8Array.of(9))]);
    const decoder = new SlipDecoder();
    const packets: number[][] = [];
    let stray: number[] = [];
    for (const byte of wire) {
      const chunk = decoder.push(Uint8Array.of(byte));
      packets.push(...chunk.packets.map((p) => [...p]));
      stray = stray.concat([...chunk.stray]);
    }
    expect(packets).toEqual([[...payload], [9]]);
    expect(stray).toEqual([0x41, 0x42]);
  });

  it('drops a packet with an invalid escape and recovers at the next one', () => {
    const decoder = new SlipDecoder();
    const chunk = decoder.push(Uint8Array.from([0xc0, 0x01, 0xdb, 0x99, 0xc0, ...slipEncode(Uint8Array.of(5))]));
    expect(chunk.malformed).toBe(1);
    expect(chunk.packets.map((p) => [...p])).toEqual([[5]]);
  });
});
