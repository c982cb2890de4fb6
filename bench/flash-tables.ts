/**
 * The flash benchmark's printed tables: every row, Kiln beside esptool-js per chip and baud, and
 * memory per board for the multi-board rows. Plain text, right-aligned numbers, for a terminal or
 * a CI log.
 */
import type { FlashBenchRow } from './flash-bench';
import type { MemorySnapshot } from './memory';

export interface SideBySide {
  chip: FlashBenchRow['chip'];
  baud: number;
  kilnSeconds: number;
  kilnRatio: number;
  kilnWireBytes: number;
  /** null: the peer row did not run (see the notes). */
  esptoolJsSeconds: number | null;
  esptoolJsRatio: number | null;
  esptoolJsWireBytes: number | null;
}

function table(header: string[], lines: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}

const ratio = (value: number): string => `${value.toFixed(3)}×`;
const mib = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);

export function formatFlashTable(rows: FlashBenchRow[]): string {
  const header = ['run', 'client', 'image', 'sent (deflated)', 'wire bytes', 'time s', 'wire limit s', 'ratio', 'KiB/s'];
  return table(
    header,
    rows.map((r) => [
      r.label,
      r.client,
      `${(r.imageBytes / 1024).toFixed(0)} KiB`,
      `${(r.compressedBytes / 1024).toFixed(0)} KiB`,
      String(r.wireBytes),
      r.seconds.toFixed(2),
      r.wireLimitSeconds.toFixed(2),
      ratio(r.ratio),
      r.throughputKiBs.toFixed(1),
    ]),
  );
}

/** Kiln's single-board rows, each with the esptool-js row at the same chip and baud (if it ran). */
export function sideBySide(rows: FlashBenchRow[]): SideBySide[] {
  return rows
    .filter((r) => r.client === 'kiln' && r.boards === 1)
    .map((kiln) => {
      const peer = rows.find((r) => r.client === 'esptool-js' && r.chip === kiln.chip && r.baud === kiln.baud);
      return {
        chip: kiln.chip,
        baud: kiln.baud,
        kilnSeconds: kiln.seconds,
        kilnRatio: kiln.ratio,
        kilnWireBytes: kiln.wireBytes,
        esptoolJsSeconds: peer?.seconds ?? null,
        esptoolJsRatio: peer?.ratio ?? null,
        esptoolJsWireBytes: peer?.wireBytes ?? null,
      };
    });
}

export function formatSideBySide(pairs: SideBySide[]): string {
  const header = ['board, baud', 'Kiln s', 'esptool-js s', 'Kiln ratio', 'esptool-js ratio', 'Kiln wire B', 'esptool-js wire B', 'esptool-js ÷ Kiln'];
  return table(
    header,
    pairs.map((p) => [
      `${p.chip} ${p.baud}`,
      p.kilnSeconds.toFixed(2),
      p.esptoolJsSeconds === null ? 'not run' : p.esptoolJsSeconds.toFixed(2),
      ratio(p.kilnRatio),
      p.esptoolJsRatio === null ? '-' : ratio(p.esptoolJsRatio),
      String(p.kilnWireBytes),
      p.esptoolJsWireBytes === null ? '-' : String(p.esptoolJsWireBytes),
      p.esptoolJsSeconds === null ? '-' : `${(p.esptoolJsSeconds / p.kilnSeconds).toFixed(2)}×`,
    ]),
  );
}

export function formatMemoryTable(rows: FlashBenchRow[]): string {
  const header = ['run', 'RSS before', 'RSS peak', 'RSS after', 'heap before', 'heap peak', 'heap after', 'buffers after', 'RSS/board (peak)', 'heap+buffers/board (kept)'];
  const kept = (m: MemorySnapshot): number => m.heapUsedBytes + m.arrayBuffersBytes;
  return table(
    header,
    rows.flatMap((r) => {
      const m = r.memory;
      if (!m) return [];
      return [
        [
          r.label,
          mib(m.before.rssBytes),
          mib(m.peak.rssBytes),
          mib(m.after.rssBytes),
          mib(m.before.heapUsedBytes),
          mib(m.peak.heapUsedBytes),
          mib(m.after.heapUsedBytes),
          mib(m.after.arrayBuffersBytes),
          mib(m.peakPerBoard.rssBytes),
          mib(kept(m.retainedPerBoard)),
        ],
      ];
    }),
  );
}
