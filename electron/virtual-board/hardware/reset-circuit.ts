/**
 * The classic auto-reset circuit of NodeMCU / DevKitC boards: two transistors cross-wired so that
 *   EN  (CHIP_PU) is pulled low only while RTS is asserted and DTR is not,
 *   IO0 (BOOT)    is pulled low only while DTR is asserted and RTS is not,
 * and asserting both at once (as many terminal programs do when opening a port) changes nothing.
 * The BOOT and RESET buttons pull the same nets low directly.
 *
 * EN has an RC delay (pull-up and capacitor): the chip leaves reset `enRiseMs` after EN is released,
 * and samples IO0 at that moment. This is what makes esptool's two-step ClassicReset work even
 * though it briefly asserts both lines, and what makes a sequence without any delay fail.
 */
export interface ResetCircuitEvents {
  /** EN went low: the chip stops. */
  holdInReset(): void;
  /** EN rose and the chip left reset; io0Low is IO0 at that moment. */
  release(io0Low: boolean): void;
}

export const EN_RISE_MS = 3;

export class ResetCircuit {
  private dtr = false;
  private rts = false;
  private bootButton = false;
  private enLow = false;
  private releaseTimer: NodeJS.Timeout | null = null;

  constructor(
    /** False: the board has no auto-reset transistors, DTR/RTS do nothing. */
    private readonly autoReset: boolean,
    /** IO0 strapped low (a jumper, or a board wired for download mode). */
    private readonly strappedLow: boolean,
    private readonly events: ResetCircuitEvents,
  ) {}

  get io0Low(): boolean {
    return this.strappedLow || this.bootButton || (this.autoReset && this.dtr && !this.rts);
  }

  private get enPulledLow(): boolean {
    return this.autoReset && this.rts && !this.dtr;
  }

  setLines(lines: { dtr?: boolean; rts?: boolean }): void {
    if (lines.dtr !== undefined) this.dtr = lines.dtr;
    if (lines.rts !== undefined) this.rts = lines.rts;
    this.update();
  }

  /** The port closed: the adapter releases both lines. */
  releaseLines(): void {
    this.setLines({ dtr: false, rts: false });
  }

  /**
   * A person taps RESET (optionally holding BOOT). Human presses are long compared with the RC
   * delay, so the chip restarts at once, sampling IO0 with BOOT still held.
   */
  pressReset(holdBoot: boolean): void {
    this.cancelRelease();
    this.events.holdInReset();
    this.bootButton = holdBoot;
    const io0Low = this.io0Low;
    this.bootButton = false;
    if (this.enPulledLow) {
      this.enLow = true; // still held by RTS: stays in reset
      return;
    }
    this.enLow = false;
    this.events.release(io0Low);
  }

  dispose(): void {
    this.cancelRelease();
  }

  private update(): void {
    const low = this.enPulledLow;
    if (low && !this.enLow) {
      this.enLow = true;
      this.cancelRelease();
      this.events.holdInReset();
    } else if (!low && this.enLow) {
      this.enLow = false;
      this.cancelRelease();
      this.releaseTimer = setTimeout(() => {
        this.releaseTimer = null;
        if (!this.enLow) this.events.release(this.io0Low);
      }, EN_RISE_MS);
    } else if (low && this.releaseTimer) {
      // EN went low again before the capacitor charged: the chip never left reset.
      this.cancelRelease();
    }
  }

  private cancelRelease(): void {
    if (this.releaseTimer) clearTimeout(this.releaseTimer);
    this.releaseTimer = null;
  }
}
