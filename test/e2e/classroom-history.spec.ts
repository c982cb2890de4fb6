import { readFile } from 'node:fs/promises';
import { test as base, expect, type Page } from '@playwright/test';
import type { Browser } from '@playwright/test';
import { browserInstanceFixture, downloadsPageFixture, startHeadlessKiln, type HeadlessKiln } from './headless-fixture';
import { ClassroomHistory } from '../../electron/services/classroom-report';
import type { ClassroomHistoryRun, ClassroomReportRow } from '../../shared/types/classroom';

/**
 * Earlier classroom runs: the history Kiln keeps in its data folder (written here with the
 * service's own ClassroomHistory, as a run that ended would leave it) is listed on the classroom
 * screen after a restart; a run's report opens and exports as CSV with that run's rows only.
 */
const DAY = 24 * 60 * 60 * 1000;
const MONDAY = Date.UTC(2026, 10, 23, 9, 5);

function historyRun(id: string, startedAt: number, firmwareName: string, results: ClassroomReportRow['result'][]): ClassroomHistoryRun {
  const sha = 'ab'.repeat(32);
  const rows: ClassroomReportRow[] = results.map((result, i) => ({
    runId: id,
    // The last two results are the same board's two attempts (a failure, then a retry that was done).
    stationId: `station-${Math.min(i, results.length - 2)}`,
    attempt: i === results.length - 1 ? 2 : 1,
    port: `/dev/ttyUSB${Math.min(i, results.length - 2)}`,
    mac: `24:6f:28:00:00:${String(10 + Math.min(i, results.length - 2))}`,
    chip: 'esp32',
    flashBytes: 4 * 1024 * 1024,
    firmware: firmwareName,
    firmwareSha256: sha,
    result,
    startedAt: startedAt + i * 1000,
    finishedAt: startedAt + i * 1000 + 30_000,
    durationMs: 30_000,
    bytesSent: result === 'done' ? 950_000 : 120_000,
    unchangedBytes: 0,
    error: result === 'done' ? null : 'The board stopped answering (unplugged?).',
  }));
  return {
    run: {
      id,
      startedAt,
      endedAt: startedAt + 20 * 60 * 1000,
      firmwareName,
      firmwareSha256: sha,
      firmwareBytes: 1_501_536,
      chip: 'esp32',
      recipe: { firmware: { kind: 'local', id: 'local-1' }, flashMode: 'keep', flashSize: 'detect', baud: 921600, eraseFirst: false, files: [], wifi: null },
      options: { autoStart: true, concurrency: 8 },
    },
    rows,
  };
}

const test = base.extend<{ kiln: HeadlessKiln; page: Page }, { browserInstance: Browser }>({
  browserInstance: browserInstanceFixture,
  kiln: async ({}, use) => {
    const { kiln, stop } = await startHeadlessKiln({
      prepare: async (dataDir) => {
        const history = new ClassroomHistory(dataDir);
        await history.record(historyRun('run-monday', MONDAY, 'MicroPython v1.24.1 (ESP32_GENERIC)', ['done', 'done', 'done', 'failed', 'done']));
        await history.record(historyRun('run-tuesday', MONDAY + DAY, 'MicroPython v1.25.0 (ESP32_GENERIC)', ['done', 'failed', 'unplugged', 'done']));
        await history.idle();
      },
    });
    await use(kiln);
    await stop();
  },
  page: downloadsPageFixture,
});

test('earlier runs are listed after a restart, newest first; a run\'s report opens and exports as CSV', async ({ page, kiln }) => {
  await page.goto(kiln.url);
  await page.getByRole('navigation').getByRole('button', { name: 'Classroom' }).click();
  const runs = page.getByRole('table', { name: 'Earlier runs' });
  await expect(runs).toBeVisible();
  const rows = runs.getByRole('row');
  await expect(rows).toHaveCount(1 + 2);
  // Newest first: Tuesday's run (4 attempts on 3 boards: the last board failed, then was done).
  await expect(rows.nth(1)).toContainText('v1.25.0');
  await expect(rows.nth(1).getByRole('cell').nth(3)).toHaveText('3'); // boards
  await expect(rows.nth(1).getByRole('cell').nth(4)).toHaveText('2'); // done: the retried board counts as done
  await expect(rows.nth(1).getByRole('cell').nth(5)).toHaveText('1'); // not done: the one that failed
  await expect(rows.nth(2)).toContainText('v1.24.1');
  await expect(rows.nth(2).getByRole('cell').nth(3)).toHaveText('4');
  await expect(rows.nth(2).getByRole('cell').nth(4)).toHaveText('4');
  await expect(rows.nth(2).getByRole('cell').nth(5)).toHaveText('0');

  // Keyboard: focus Monday's button and open its report.
  const open = rows.nth(2).getByRole('button', { name: /^Show the report of the run started/ });
  await open.focus();
  await page.keyboard.press('Enter');
  await expect(rows.nth(2).getByRole('button', { name: /^Hide the report/ })).toHaveAttribute('aria-expanded', 'true');
  const report = page.getByRole('table', { name: /^Report of the run started/ });
  await expect(report).toBeVisible();
  await expect(report.getByRole('cell', { name: '✓ Done' })).toHaveCount(4);
  await expect(report.getByRole('cell', { name: '✕ Failed' })).toHaveCount(1);
  await expect(report.getByRole('cell', { name: 'The board stopped answering (unplugged?).' })).toBeVisible();
  await report.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/screenshots/classroom-earlier-runs.png' });

  const section = page.locator('section', { has: report });
  const [download] = await Promise.all([page.waitForEvent('download'), section.getByRole('button', { name: 'Export CSV' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^kiln-classroom-2026-11-23-\d{4}\.csv$/);
  const csv = await readFile((await download.path())!, 'utf8');
  const lines = csv.trim().split('\r\n');
  expect(lines).toHaveLength(1 + 5); // header and Monday's five attempts, none of Tuesday's
  expect(lines.slice(1).every((line) => line.startsWith('run-monday,'))).toBe(true);
  await expect(page.getByRole('status').filter({ hasText: 'Exported' })).toContainText('Exported 5 rows');

  // Closing it again.
  await rows.nth(2).getByRole('button', { name: /^Hide the report/ }).click();
  await expect(report).toHaveCount(0);
});
