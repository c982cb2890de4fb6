/**
 * The ESP8266's boot ROM prints its reset line ("ets Jan  8 2013,rst cause:2, boot mode:(3,6)")
 * at 74880 baud, an odd rate that follows from its 26 MHz crystal; MicroPython then talks at
 * 115200. A terminal at 115200 turns the ROM line into a burst of high and zero bytes. Kiln listens
 * at 74880 around a reset it makes itself, and recognises the burst when the board resets alone.
 */
export const ESP8266_ROM_BAUD = 74880;

/** How long the ROM line may take to arrive after the reset pulse, and the quiet that ends it. */
export const ROM_LINE_WAIT_MS = 800;
export const ROM_LINE_QUIET_MS = 40;

/**
 * True for a burst that reads as bytes sent at another baud: mostly outside printable ASCII and
 * not valid UTF-8 text. Short bursts (a stray byte of line noise) are left alone.
 */
export function looksLikeWrongBaud(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  let odd = 0;
  for (const byte of bytes) {
    const printable = (byte >= 0x20 && byte < 0x7f) || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0x1b;
    if (!printable) odd += 1;
  }
  if (odd / bytes.length < 0.25) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    // Valid UTF-8 (non-Latin text a program prints) is not garbage; zero bytes (framing errors) are.
    return bytes.includes(0);
  } catch {
    return true;
  }
}

/** Whether a MicroPython banner or uname names the ESP8266 (whose ROM line needs 74880 baud). */
export function mentionsEsp8266(text: string): boolean {
  return /ESP8266|esp8266/.test(text);
}

export const WRONG_BAUD_NOTE =
  '\r\n[Kiln: the board printed its boot ROM message at 74880 baud, unreadable at this speed. ' +
  'Use Hard reset in Kiln to see it decoded.]\r\n';
