/**
 * What a UART receiver makes of bytes sent at another baud rate. The sender's line is rebuilt bit by
 * bit (start bit 0, eight data bits LSB first, stop bit 1, idle high between bursts); the receiver
 * waits for the line to be high, then for it to fall, samples each bit in the middle of its own bit
 * time, and checks the stop bit. A frame whose stop bit reads 0 is a framing error, which Linux hands
 * to the reader as a 0x00 byte (termios without IGNPAR/PARMRK). Deterministic, so a host at 115200
 * always sees the same garbage for the ESP8266's 74880-baud boot message.
 *
 * Each call assumes the line was idle before the first byte (bursts are handed over separately).
 */
export function resampleUart(bytes: Uint8Array, senderBaud: number, receiverBaud: number): Uint8Array {
  if (bytes.length === 0 || senderBaud === receiverBaud) return bytes;
  const ts = 1 / senderBaud; // sender bit time
  const tr = 1 / receiverBaud; // receiver bit time
  const totalBits = bytes.length * 10;
  const end = totalBits * ts;

  // Line level at time t (seconds from the first start bit).
  const level = (t: number): number => {
    if (t < 0 || t >= end) return 1;
    const cell = Math.floor(t / ts + 1e-9);
    const frame = Math.floor(cell / 10);
    const bit = cell % 10;
    if (bit === 0) return 0;
    if (bit === 9) return 1;
    return ((bytes[frame] as number) >> (bit - 1)) & 1;
  };
  // First time >= t where the line has the given level (cell boundaries are the only candidates).
  const nextLevel = (t: number, wanted: number): number | null => {
    if (level(t) === wanted) return t;
    let cell = t < 0 ? 0 : Math.floor(t / ts + 1e-9) + 1;
    while (cell < totalBits) {
      const at = cell * ts;
      if (level(at) === wanted) return at;
      cell += 1;
    }
    return wanted === 1 ? end : null;
  };

  const out: number[] = [];
  // The line idled high before the first start bit.
  let t = -ts / 2;
  for (;;) {
    const high = nextLevel(t, 1);
    if (high === null) break;
    const start = nextLevel(high, 0);
    if (start === null || start >= end) break;
    let value = 0;
    for (let i = 0; i < 8; i++) value |= level(start + (i + 1.5) * tr) << i;
    const stop = level(start + 9.5 * tr);
    out.push(stop === 1 ? value : 0x00);
    t = start + 9.5 * tr;
  }
  return Uint8Array.from(out);
}
