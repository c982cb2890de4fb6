import type { CatalogEntry } from '../../../../shared/types/firmware';
import type { DeviceInfo } from '../../../../shared/types/device';
import { formatBytes } from '../../../../shared/format';

/**
 * Which catalog builds suit a board: its chip, stable releases, no bigger flash needed than it
 * has, and no special-purpose variant (PSRAM, OTA) unless the user asks for all. Best first: the
 * most capable build that fits, then the newest version.
 */
export function buildsFor(entries: readonly CatalogEntry[], info: DeviceInfo): CatalogEntry[] {
  const flash = info.flash?.sizeBytes ?? null;
  return entries
    .filter((e) => e.chip === info.chip && e.channel === 'stable' && (flash === null || e.minFlashBytes <= flash) && (e.variant === null || e.variant.startsWith('FLASH_')))
    .sort((a, b) => b.minFlashBytes - a.minFlashBytes || compareVersionText(b.version, a.version));
}

/** Why Kiln picked a smaller build, in one sentence, or null when the standard build fits. */
export function whyThisBuild(entry: CatalogEntry, all: readonly CatalogEntry[], info: DeviceInfo): string | null {
  const flash = info.flash?.sizeBytes;
  if (flash === undefined || flash === null) return null;
  const bigger = all.filter((e) => e.chip === info.chip && e.minFlashBytes > entry.minFlashBytes && e.variant === null);
  if (bigger.length === 0) return null;
  return `Your board has ${formatBytes(flash)} of flash, so Kiln offers the build made for it; the standard build needs ${formatBytes(bigger[0]!.minFlashBytes)} or more.`;
}

function compareVersionText(a: string, b: string): number {
  const pa = a.split(/[.-]/).map(Number);
  const pb = b.split(/[.-]/).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] || 0) - (pb[i] || 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
