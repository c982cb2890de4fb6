/**
 * Paces the console output a board hands to its UART. A real board's print() blocks once its
 * small TX buffer is full, so a program printing in a loop runs at the UART's speed; the seam
 * to the board (console-runtime.ts) has no such back-pressure, so without pacing a runaway
 * print loop would pile megabytes into the board's wire model and Ctrl-C would wait behind
 * them. A token bucket: bursts up to `burstBytes` pass at once, beyond that `bytesPerSecond`.
 */
export class OutputPacer {
  private tokens: number;
  private last: number;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly burstBytes: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burstBytes;
    this.last = now();
  }

  /** How many of `wanted` bytes may go now (and spends them). */
  take(wanted: number): number {
    if (!Number.isFinite(this.bytesPerSecond)) return wanted;
    this.refill();
    const granted = Math.min(wanted, Math.floor(this.tokens));
    this.tokens -= granted;
    return granted;
  }

  /** Milliseconds until `bytes` more may go. */
  msUntil(bytes: number): number {
    if (!Number.isFinite(this.bytesPerSecond)) return 0;
    this.refill();
    const missing = Math.min(bytes, this.burstBytes) - this.tokens;
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.bytesPerSecond);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burstBytes, this.tokens + ((now - this.last) * this.bytesPerSecond) / 1000);
    this.last = now;
  }
}
