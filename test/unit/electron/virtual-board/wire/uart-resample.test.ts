import { describe, expect, it } from 'vitest';
import { resampleUart } from '../../../../../electron/virtual-board/wire/uart-resample';

const text = new TextEncoder().encode('\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n');

describe('baud mismatch', () => {
  it('passes bytes through when both sides use the same baud', () => {
    expect(resampleUart(text, 115200, 115200)).toBe(text);
  });

  it('turns the ESP8266 boot message at 74880 into garbage at 115200, the same garbage every time', () => {
    const a = resampleUart(text, 74880, 115200);
    const b = resampleUart(text, 74880, 115200);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).toString('latin1')).not.toContain('ets Jan');
    expect(a.length).toBeGreaterThan(0);
  });

  it('decodes correctly when the receiver samples at the sender rate, whatever the rate', () => {
    // A round trip through the resampler at equal rates other than 115200 is the identity.
    expect(Array.from(resampleUart(text, 74880, 74880))).toEqual(Array.from(text));
  });

  it('reports a framing error as a 0x00 byte (Linux termios default)', () => {
    // 0x00 at 9600 seen by a 115200 receiver: a long low start+data run, stop bit sampled low.
    const out = resampleUart(Uint8Array.from([0x00]), 9600, 115200);
    expect(out[0]).toBe(0x00);
  });

  it('a receiver that is much slower sees fewer characters than were sent', () => {
    const many = new Uint8Array(200).fill(0x55);
    expect(resampleUart(many, 921600, 115200).length).toBeLessThan(many.length);
  });
});

describe('bit-level model', () => {
  it('decodes a stream exactly when the rates are within UART tolerance (2%)', () => {
    const out = resampleUart(text, 115200, 117000);
    expect(Buffer.from(out).toString('latin1')).toBe(Buffer.from(text).toString('latin1'));
  });
});
