/**
 * The flash benchmark's printed tables and its targets (issues 14 and 15), judged PASS or FAIL.
 * Plain text, right-aligned numbers, for a terminal or a CI log. Pure: rows in, text out.
 */
import type { FlashBenchRow } from './flash-bench';
import type { MemorySnapshot } from './memory';

export function table(header: string[], lines: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}

export const times = (value: number): string => `${value.toFixed(3)}×`;
/** Compression ratios get four decimals: the bytes target sits at 0.95, where 0.9499 and 0.9503 must not both read 0.950. */
const ratio4 = (value: number): string => `${value.toFixed(4)}×`;
const mib = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);

export function formatFlashTable(rows: FlashBenchRow[]): string {
  const header = ['run', 'client', 'sent as', 'image B', 'sent B', 'wire B', 'time s', 'wire limit s', 'model flash s', '÷ bound', '÷ wire', '÷ model'];
  return table(
    header,
    rows.map((r) => [
      r.label,
      r.client,
      r.compression,
      String(r.imageBytes),
      String(r.sentBytes),
      String(r.wireBytes),
      r.seconds.toFixed(2),
      r.wireLimitSeconds.toFixed(2),
      r.modelFlashSeconds.toFixed(2),
      times(r.ratioToBound),
      times(r.ratioToWire),
      times(r.ratioToModel),
    ]),
  );
}

export interface SideBySide {
  chip: FlashBenchRow['chip'];
  baud: number;
  kiln: FlashBenchRow;
  /** null: the peer row did not run (see the notes). */
  peer: FlashBenchRow | null;
}

/** Kiln's single-board full writes, each with the esptool-js row at the same chip and baud. */
export function sideBySide(rows: FlashBenchRow[]): SideBySide[] {
  return rows
    .filter((r) => r.client === 'kiln' && r.boards === 1 && r.kind === 'write' && r.compression === 'zopfli')
    .map((kiln) => ({
      chip: kiln.chip,
      baud: kiln.baud,
      kiln,
      peer: rows.find((r) => r.client === 'esptool-js' && r.chip === kiln.chip && r.baud === kiln.baud) ?? null,
    }));
}

export function formatSideBySide(pairs: SideBySide[]): string {
  const header = ['board, baud', 'Kiln s', 'esptool-js s', 'Kiln sent B', 'esptool-js sent B', 'Kiln ÷ bound', 'esptool-js ÷ bound', 'esptool-js ÷ Kiln'];
  return table(
    header,
    pairs.map(({ chip, baud, kiln, peer }) => [
      `${chip} ${baud}`,
      kiln.seconds.toFixed(2),
      peer ? peer.seconds.toFixed(2) : 'not run',
      String(kiln.sentBytes),
      peer ? String(peer.sentBytes) : '-',
      times(kiln.ratioToBound),
      peer ? times(peer.ratioToBound) : '-',
      peer ? `${(peer.seconds / kiln.seconds).toFixed(2)}×` : '-',
    ]),
  );
}

export interface CompressionFigures {
  chip: FlashBenchRow['chip'];
  imageBytes: number;
  zlib9Bytes: number;
  zopfliBytes: number;
  /** Seconds zopfli took in its worker this run; null when the stream came from the bench's cache. */
  zopfliSeconds: number | null;
  /** What esptool-js sent for the image, where its row ran. */
  esptoolJsBytes: number | null;
}

export function formatCompressionTable(figures: CompressionFigures[], realBuildRatio: number): string {
  const header = ['image', 'image B', 'zlib 9 B', 'zlib 9 ratio', 'zopfli B', 'zopfli ÷ zlib 9', 'zopfli s', 'esptool-js sent B'];
  const lines = figures.map((f) => [
    f.chip,
    String(f.imageBytes),
    String(f.zlib9Bytes),
    (f.zlib9Bytes / f.imageBytes).toFixed(3),
    String(f.zopfliBytes),
    ratio4(f.zopfliBytes / f.zlib9Bytes),
    f.zopfliSeconds === null ? 'cached' : f.zopfliSeconds.toFixed(1),
    f.esptoolJsBytes === null ? '-' : String(f.esptoolJsBytes),
  ]);
  lines.push(['real ESP8266 build (issue 14)', '600888', '394694', realBuildRatio.toFixed(3), '373352', ratio4(373_352 / 394_694), '-', '-']);
  return table(header, lines);
}

export interface ZopfliSettingRow {
  setting: string;
  bytes: number;
  zlib9Bytes: number;
  seconds: number;
}

export function formatZopfliSettings(rows: ZopfliSettingRow[]): string {
  return table(
    ['zopfli setting (ESP8266 image)', 'bytes', '÷ zlib 9', 'seconds'],
    rows.map((r) => [r.setting, String(r.bytes), ratio4(r.bytes / r.zlib9Bytes), r.seconds.toFixed(1)]),
  );
}

export interface ReflashPair {
  what: string;
  full: FlashBenchRow;
  reflash: FlashBenchRow;
}

/** A Kiln row beside the fastest the legacy stub's schedule allows for the same stream (stub-floor.ts). */
export interface StubFloorRow {
  row: FlashBenchRow;
  /** With Kiln's 16 KiB blocks. */
  floorSeconds: number;
  /** The lowest floor over the block sizes a host may choose (1–16 KiB), and the size that gives it. */
  bestFloorSeconds: number;
  bestBlockSize: number;
}

export function formatStubFloorTable(rows: StubFloorRow[]): string {
  return table(
    ['run', 'Kiln s', 'max(wire, flash) s', "stub's floor s", 'floor ÷ max(wire, flash)', 'Kiln ÷ floor', 'best block size', 'its floor ÷ max(wire, flash)'],
    rows.map(({ row, floorSeconds, bestFloorSeconds, bestBlockSize }) => {
      const bound = Math.max(row.wireLimitSeconds, row.modelFlashSeconds);
      return [
        `${row.chip} ${row.baud}`,
        row.seconds.toFixed(2),
        bound.toFixed(2),
        floorSeconds.toFixed(2),
        times(floorSeconds / bound),
        times(row.seconds / floorSeconds),
        `${bestBlockSize / 1024} KiB`,
        times(bestFloorSeconds / bound),
      ];
    }),
  );
}

export function formatReflashTable(pairs: ReflashPair[]): string {
  return table(
    ['re-flash of a board holding the image', 'full s', 're-flash s', 're-flash ÷ full', 'unchanged B', 're-flash wire B'],
    pairs.map((p) => [p.what, p.full.seconds.toFixed(2), p.reflash.seconds.toFixed(2), times(p.reflash.seconds / p.full.seconds), String(p.reflash.unchangedBytes), String(p.reflash.wireBytes)]),
  );
}

export function formatBoardsTable(rows: FlashBenchRow[]): string {
  const one = rows.find((r) => r.boards === 1 && r.kind === 'write');
  return table(
    ['boards at once', 'time s', '÷ one board', 'wire B (all)', 'RSS peak MiB', 'RSS/board MiB'],
    rows.map((r) => [
      r.label,
      r.seconds.toFixed(2),
      one ? times(r.seconds / one.seconds) : '-',
      String(r.wireBytes),
      r.memory ? mib(r.memory.peak.rssBytes) : '-',
      r.memory ? mib(r.memory.peakPerBoard.rssBytes) : '-',
    ]),
  );
}

export function formatMemoryTable(rows: FlashBenchRow[]): string {
  const header = ['run', 'RSS before', 'RSS peak', 'RSS after', 'heap before', 'heap peak', 'heap after', 'buffers after', 'heap+buffers/board (kept)'];
  const kept = (m: MemorySnapshot): number => m.heapUsedBytes + m.arrayBuffersBytes;
  return table(
    header,
    rows.flatMap((r) => {
      const m = r.memory;
      if (!m) return [];
      return [[r.label, mib(m.before.rssBytes), mib(m.peak.rssBytes), mib(m.after.rssBytes), mib(m.before.heapUsedBytes), mib(m.peak.heapUsedBytes), mib(m.after.heapUsedBytes), mib(m.after.arrayBuffersBytes), mib(kept(m.retainedPerBoard))]];
    }),
  );
}

export interface Target {
  /** What is promised, in the words. */
  name: string;
  /** The measured value against its limit, e.g. "0.954× (≤ 0.95×)". */
  measured: string;
  pass: boolean;
}

/** Every target the rows can judge; a target whose rows did not run is left out (and noted by the caller). */
export function judgeTargets(input: {
  rows: FlashBenchRow[];
  compression: CompressionFigures[];
  reflash: ReflashPair[];
  boards: FlashBenchRow[];
}): Target[] {
  const targets: Target[] = [];
  const esp8266 = input.compression.find((c) => c.chip === 'esp8266');
  if (esp8266) {
    const ratio = esp8266.zopfliBytes / esp8266.zlib9Bytes;
    targets.push({ name: 'ESP8266 image: bytes on the wire ≤ 0.95 × Node zlib 9', measured: `${ratio4(ratio)} (${esp8266.zopfliBytes} vs ${esp8266.zlib9Bytes} B)`, pass: ratio <= 0.95 });
  }
  const cli = input.reflash.find((p) => p.full.client === 'kiln CLI');
  if (cli) {
    const ratio = cli.reflash.seconds / cli.full.seconds;
    targets.push({ name: `re-flash of an identical board ≤ 0.10 × the full write (same CLI command, ${cli.full.baud} baud)`, measured: times(ratio), pass: ratio <= 0.1 });
  }
  for (const row of input.rows.filter((r) => r.client === 'kiln' && r.boards === 1 && r.kind === 'write' && r.compression === 'zopfli')) {
    targets.push({ name: `Kiln ${row.chip} ${row.baud}: wall ≤ 1.02 × max(wire limit, model flash)`, measured: times(row.ratioToBound), pass: row.ratioToBound <= 1.02 });
  }
  for (const pair of sideBySide(input.rows)) {
    if (!pair.peer) continue;
    targets.push({
      name: `Kiln ahead of esptool-js, ${pair.chip} ${pair.baud}`,
      measured: `${pair.kiln.seconds.toFixed(2)} s vs ${pair.peer.seconds.toFixed(2)} s`,
      pass: pair.kiln.seconds < pair.peer.seconds,
    });
  }
  const one = input.boards.find((r) => r.boards === 1 && r.kind === 'write');
  const most = [...input.boards].filter((r) => r.kind === 'write').sort((a, b) => b.boards - a.boards)[0];
  if (one && most && most.boards > 1) {
    const ratio = most.seconds / one.seconds;
    targets.push({ name: `${most.boards} boards at once ≤ 1.10 × one board's wall time (${most.baud})`, measured: times(ratio), pass: ratio <= 1.1 });
    const reimage = input.boards.find((r) => r.kind === 'reflash' && r.boards === most.boards);
    if (reimage) {
      const reRatio = reimage.seconds / most.seconds;
      targets.push({ name: `re-imaging ${most.boards} boards already holding the image ≤ 0.10 × the full time`, measured: times(reRatio), pass: reRatio <= 0.1 });
    }
  }
  return targets;
}

export function formatTargets(targets: Target[]): string {
  return targets.map((t) => `${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.measured}`).join('\n');
}
