import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClassroomHistory, csvField, reportCsv } from '../../../../electron/services/classroom-report';
import type { ClassroomHistoryRun, ClassroomReportRow } from '../../../../shared/types/classroom';

const row = (extra: Partial<ClassroomReportRow> = {}): ClassroomReportRow => ({
  runId: 'run-1',
  stationId: 'st-1',
  attempt: 1,
  port: '/dev/ttyUSB0',
  mac: '24:0a:c4:00:00:01',
  chip: 'esp32',
  flashBytes: 4194304,
  firmware: 'ESP32_GENERIC-20241129-v1.24.1.bin',
  firmwareSha256: 'ab'.repeat(32),
  result: 'done',
  startedAt: Date.UTC(2025, 2, 14, 9, 30),
  finishedAt: Date.UTC(2025, 2, 14, 9, 30, 4),
  durationMs: 4123,
  bytesSent: 1000,
  unchangedBytes: 0,
  error: null,
  ...extra,
});

describe('the report as CSV', () => {
  it('quotes commas, quotes and line breaks, and keeps formulas from running', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-1+2')).toBe("'-1+2");
    expect(csvField(null)).toBe('');
    expect(csvField(42)).toBe('42');
  });

  it('one header and one CRLF line per attempt', () => {
    const csv = reportCsv([row(), row({ attempt: 2, result: 'failed', error: 'Timed out, "sync" failed' })]);
    const lines = csv.split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    expect(lines[1]).toBe(`run-1,2025-03-14T09:30:00.000Z,/dev/ttyUSB0,24:0a:c4:00:00:01,ESP32,4194304,ESP32_GENERIC-20241129-v1.24.1.bin,${'ab'.repeat(32)},done,1,4.12,1000,0,`);
    expect(lines[2]).toMatch(/,failed,2,4\.12,1000,0,"Timed out, ""sync"" failed"$/);
  });
});

describe('the history file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-classroom-history-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const run = (id: string): ClassroomHistoryRun => ({ run: { id } as ClassroomHistoryRun['run'], rows: [row({ runId: id })] });

  it('keeps runs across instances, newest first, an updated run in place', async () => {
    const first = new ClassroomHistory(dir);
    await first.record(run('run-a'));
    await first.record(run('run-b'));
    await first.record({ ...run('run-a'), rows: [row(), row({ attempt: 2 })] });
    const second = new ClassroomHistory(dir);
    const runs = await second.list();
    expect(runs.map((entry) => entry.run.id)).toEqual(['run-a', 'run-b']);
    expect(runs[0]!.rows).toHaveLength(2);
    expect(await second.find('run-b')).toMatchObject({ rows: [{ runId: 'run-b' }] });
  });

  it('sets a damaged file aside instead of losing it, and starts afresh', async () => {
    const file = join(dir, 'classroom', 'history.json');
    await new ClassroomHistory(dir).record(run('run-a'));
    await writeFile(file, '{"version": 1, "runs": [tru');
    const history = new ClassroomHistory(dir);
    expect(await history.list()).toEqual([]);
    expect(await readFile(`${file}.damaged`, 'utf8')).toBe('{"version": 1, "runs": [tru');
  });
});
