/**
 * The standard rates Kiln steps between: auto baud tries them from the fastest the adapter
 * allows down, and a link that starts damaging data mid-transfer drops to the next one below.
 */
/** Ascending. 115200 is where every ROM loader listens after reset, the floor of every fallback. */
export const STANDARD_BAUDS: readonly number[] = [115_200, 230_400, 460_800, 921_600, 1_500_000, 2_000_000];
export const FLOOR_BAUD = 115_200;

/** Auto baud tries nothing slower than this: below it, 115200 (which always works) is no worse. */
const AUTO_MIN_BAUD = 460_800;

/** The next standard rate below `baud`, or null at the floor. */
export function lowerBaud(baud: number): number | null {
  const below = STANDARD_BAUDS.filter((rate) => rate < baud);
  return below.length > 0 ? below[below.length - 1]! : null;
}

/** What auto baud tries, fastest first, for an adapter whose datasheet allows `maxBaud`. */
export function autoBaudCandidates(maxBaud: number): number[] {
  return STANDARD_BAUDS.filter((rate) => rate >= AUTO_MIN_BAUD && rate <= maxBaud).reverse();
}
