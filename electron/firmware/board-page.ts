/**
 * Reads the firmware links out of one of MicroPython's board pages
 * (https://micropython.org/download/<BOARD_ID>/). The page lists releases and previews as links to
 * /resources/firmware/<file>.bin (plus .elf, .map, .app-bin we ignore); the file name carries the
 * board, variant, date and version, so only the links matter, not the page's layout around them.
 */
import { parseFirmwareFileName, type FirmwareFileName } from './targets';

export interface BoardPageLink extends FirmwareFileName {
  /** Absolute URL of the .bin. */
  url: string;
}

const HREF = /href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;

function decodeEntities(text: string): string {
  return text.replace(/&amp;/g, '&').replace(/&#x2F;/gi, '/').replace(/&#47;/g, '/');
}

/**
 * All firmware .bin links on the page for `boardId` (links to other boards are ignored), newest
 * first, without duplicates.
 */
export function parseBoardPage(html: string, pageUrl: string, boardId: string): BoardPageLink[] {
  const seen = new Set<string>();
  const links: BoardPageLink[] = [];
  for (const match of html.matchAll(HREF)) {
    const raw = match[1] ?? match[2] ?? match[3];
    if (!raw) continue;
    let url: URL;
    try {
      url = new URL(decodeEntities(raw), pageUrl);
    } catch {
      continue;
    }
    if (!url.pathname.includes('/resources/firmware/')) continue;
    const fileName = decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
    const parsed = parseFirmwareFileName(fileName);
    if (!parsed || parsed.boardId !== boardId || seen.has(fileName)) continue;
    seen.add(fileName);
    links.push({ ...parsed, url: url.toString() });
  }
  return links.sort((a, b) => b.date.localeCompare(a.date) || b.fileName.localeCompare(a.fileName));
}
