/**
 * Memory of the bench process around a multi-board row (classroom mode): what N boards cost while
 * they are flashed. Readings come from process.memoryUsage(); nothing is asserted, only reported.
 *   rss           resident set size of the whole process (what the OS sees)
 *   heapUsed      V8's JavaScript heap in use
 *   arrayBuffers  memory behind ArrayBuffers/Buffers, outside the JS heap (each virtual board's
 *                 flash array lives here, so it is reported separately rather than hidden in rss)
 */
import v8 from 'node:v8';
import vm from 'node:vm';

export interface MemorySnapshot {
  rssBytes: number;
  heapUsedBytes: number;
  arrayBuffersBytes: number;
}

export interface MemoryReport {
  boards: number;
  /** Before the boards were created, after a full garbage collection. */
  before: MemorySnapshot;
  /** Highest reading of each field (independently), sampled while the boards were connected and flashing. */
  peak: MemorySnapshot;
  /** Every board verified and still connected, after a full garbage collection: what they keep alive. */
  after: MemorySnapshot;
  /** (peak − before) / boards: the working-set cost of one more board while it is being flashed. */
  peakPerBoard: MemorySnapshot;
  /** (after − before) / boards: what one connected board keeps alive once done. */
  retainedPerBoard: MemorySnapshot;
  /** False when no garbage collection could be forced, so before/after include garbage. */
  gcForced: boolean;
}

const SAMPLE_INTERVAL_MS = 100;
/**
 * A board that was just closed is still reachable for a moment (its last timers and pending reads
 * end within a few tens of milliseconds); waiting this long before the "before" reading keeps the
 * previous row's board out of it.
 */
const SETTLE_MS = 300;

/**
 * `npm run bench` starts Node without --expose-gc (and tsx gives no way to add it from the script),
 * so the flag is switched on at run time and the gc function taken from a fresh context. Without a
 * forced collection, "before" and "after" would measure whatever garbage the previous rows left.
 */
function findGc(): (() => void) | null {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as () => void;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

function snapshot(): MemorySnapshot {
  const usage = process.memoryUsage();
  return { rssBytes: usage.rss, heapUsedBytes: usage.heapUsed, arrayBuffersBytes: usage.arrayBuffers };
}

function combine(a: MemorySnapshot, b: MemorySnapshot, op: (x: number, y: number) => number): MemorySnapshot {
  return {
    rssBytes: op(a.rssBytes, b.rssBytes),
    heapUsedBytes: op(a.heapUsedBytes, b.heapUsedBytes),
    arrayBuffersBytes: op(a.arrayBuffersBytes, b.arrayBuffersBytes),
  };
}

/**
 * Starts watching: lets the previous row settle, takes the "before" reading now and samples until finish(), which takes the
 * "after" reading. Call finish() while the boards are still connected, before they are closed.
 */
export async function watchMemory(boards: number): Promise<{ finish(): MemoryReport; stop(): void }> {
  const gc = findGc();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  gc?.();
  const before = snapshot();
  let peak = before;
  const sample = (): void => {
    peak = combine(peak, snapshot(), Math.max);
  };
  const timer = setInterval(sample, SAMPLE_INTERVAL_MS);
  return {
    /** Stops sampling without a report (the row failed). */
    stop(): void {
      clearInterval(timer);
    },
    finish(): MemoryReport {
      clearInterval(timer);
      sample();
      gc?.();
      const after = snapshot();
      const perBoard = (to: MemorySnapshot): MemorySnapshot => combine(to, before, (x, y) => (x - y) / boards);
      return { boards, before, peak, after, peakPerBoard: perBoard(peak), retainedPerBoard: perBoard(after), gcForced: gc !== null };
    },
  };
}
