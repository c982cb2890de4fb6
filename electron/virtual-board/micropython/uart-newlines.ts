/**
 * Real MicroPython ports "cook" their console output: every "\n" printed goes out on the UART
 * as "\r\n". The WebAssembly port prints a bare "\n" for print() while its REPL already sends
 * "\r\n", so we add the "\r" only where it is missing. State carries across chunks because a
 * "\r" may end one chunk and its "\n" start the next.
 */
export class UartNewlines {
  private previousWasCr = false;

  cook(bytes: Uint8Array): Uint8Array {
    let missing = 0;
    let previousWasCr = this.previousWasCr;
    for (const byte of bytes) {
      if (byte === 0x0a && !previousWasCr) missing++;
      previousWasCr = byte === 0x0d;
    }
    if (missing === 0) {
      this.previousWasCr = previousWasCr;
      return bytes;
    }
    const out = new Uint8Array(bytes.length + missing);
    let o = 0;
    for (const byte of bytes) {
      if (byte === 0x0a && !this.previousWasCr) out[o++] = 0x0d;
      out[o++] = byte;
      this.previousWasCr = byte === 0x0d;
    }
    return out;
  }

  /** After a restart of the interpreter nothing is pending. */
  reset(): void {
    this.previousWasCr = false;
  }
}
