import type { WrittenRegionSummary } from '../../../../shared/types/jobs';
import { formatBytes } from '../../../../shared/format';

/** What a diff re-flash left alone: "Already on the board: nothing had to be written." */
export function describeDiff(regions: readonly WrittenRegionSummary[]): string {
  const size = regions.reduce((sum, r) => sum + r.size, 0);
  const unchanged = regions.reduce((sum, r) => sum + r.unchangedBytes, 0);
  if (unchanged === 0) return `All ${formatBytes(size)} written.`;
  if (unchanged === size) return 'The board already held exactly this: nothing had to be written, only checked.';
  return `Only ${formatBytes(size - unchanged)} of ${formatBytes(size)} needed writing: the rest was already on the board.`;
}
