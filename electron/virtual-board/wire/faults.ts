/**
 * Fault injection on the host -> board direction, deterministic: rates draw from a seeded PRNG
 * (mulberry32), positions count host -> board bytes since the faults were set.
 */
export interface FaultOptions {
  /** Deterministic PRNG seed for the rates (default 1). */
  seed?: number;
  /** Probability per host -> board byte of being lost. */
  dropRate?: number;
  /** Probability per host -> board byte of one flipped bit. */
  corruptRate?: number;
  /** The Nth host -> board byte (0-based, counted since the fault was set) is lost. */
  dropAtByte?: number;
  /** The Nth host -> board byte gets one bit flipped. */
  corruptAtByte?: number;
  /** After N host -> board bytes the link closes like a yanked USB cable (the board loses power). */
  unplugAtByte?: number;
  /** Refuses download mode: every reset boots the app (or fails to), whatever IO0 says. */
  refuseDownloadMode?: boolean;
  /** After N host -> board bytes the board stops answering for `ms`. */
  stall?: { atByte: number; ms: number };
  /**
   * A link that works only up to a baud: above `baud`, each host -> board byte gets a flipped bit
   * with probability `corruptRate` (a long cable, a marginal adapter clock).
   */
  marginalAbove?: { baud: number; corruptRate: number };
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What one host write turns into after the faults. */
export interface FaultedWrite {
  /** Bytes that reach the wire (some dropped, some flipped). */
  bytes: Uint8Array;
  /** Unplug once this many of `bytes` have been delivered. */
  unplugAfter: number | null;
  /** Stall the board once this many of `bytes` have been delivered. */
  stallAfter: { index: number; ms: number } | null;
}

export class FaultInjector {
  private faults: FaultOptions = {};
  private random: () => number = mulberry32(1);
  private count = 0;
  private unplugFired = false;
  private stallFired = false;

  constructor(faults?: FaultOptions) {
    this.set(faults);
  }

  set(faults: FaultOptions | undefined): void {
    this.faults = { ...(faults ?? {}) };
    this.random = mulberry32(this.faults.seed ?? 1);
    this.count = 0;
    this.unplugFired = false;
    this.stallFired = false;
  }

  get refuseDownloadMode(): boolean {
    return this.faults.refuseDownloadMode === true;
  }

  /** True when nothing would touch the bytes at this baud: the fast path for benchmarks. */
  private inactiveAt(baud: number): boolean {
    const f = this.faults;
    return (
      !(f.marginalAbove && baud > f.marginalAbove.baud) &&
      !f.dropRate &&
      !f.corruptRate &&
      (f.dropAtByte === undefined || f.dropAtByte < this.count) &&
      (f.corruptAtByte === undefined || f.corruptAtByte < this.count) &&
      (f.unplugAtByte === undefined || this.unplugFired) &&
      (f.stall === undefined || this.stallFired)
    );
  }

  /** `baud`: what the host side of the link is set to (0 for a pty, which has none). */
  apply(input: Uint8Array, baud = 0): FaultedWrite {
    if (this.inactiveAt(baud)) {
      this.count += input.length;
      return { bytes: input, unplugAfter: null, stallAfter: null };
    }
    const f = this.faults;
    const marginalRate = f.marginalAbove && baud > f.marginalAbove.baud ? f.marginalAbove.corruptRate : 0;
    const out = new Uint8Array(input.length);
    let n = 0;
    let unplugAfter: number | null = null;
    let stallAfter: FaultedWrite['stallAfter'] = null;
    for (let i = 0; i < input.length; i++) {
      const position = this.count++;
      if (!this.unplugFired && f.unplugAtByte !== undefined && position >= f.unplugAtByte) {
        // The cable comes out before this byte: nothing after it reaches the board.
        this.unplugFired = true;
        unplugAfter = n;
        break;
      }
      if (!this.stallFired && f.stall !== undefined && position >= f.stall.atByte) {
        this.stallFired = true;
        stallAfter = { index: n, ms: f.stall.ms };
      }
      let byte = input[i] as number;
      if (position === f.dropAtByte) continue;
      if (f.dropRate && this.random() < f.dropRate) continue;
      if (position === f.corruptAtByte) byte ^= 1 << Math.floor(this.random() * 8);
      else if (f.corruptRate && this.random() < f.corruptRate) byte ^= 1 << Math.floor(this.random() * 8);
      else if (marginalRate && this.random() < marginalRate) byte ^= 1 << Math.floor(this.random() * 8);
      out[n++] = byte;
    }
    return { bytes: out.subarray(0, n), unplugAfter, stallAfter };
  }
}
