import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import type { Browser } from '@playwright/test';
import { browserInstanceFixture, downloadsPageFixture, startHeadlessKiln, type HeadlessKiln } from './headless-fixture';
import { buildImage } from '../../electron/esp/image';

/** A valid ESP32 image followed by noise up to `total` bytes (noise does not compress: it takes real wire time). */
function classFirmware(total: number): Uint8Array {
  let seed = 12345;
  const noise = (n: number) => Uint8Array.from({ length: n }, () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff);
  const image = buildImage({ chip: 'esp32', entry: 0x40080404, flashSize: '4MB', segments: [{ address: 0x40080400, data: noise(4096) }] });
  const out = noise(total);
  out.set(image);
  return out;
}

/**
 * Classroom mode end to end: eight Demo ESP32s plugged in one after another (appearAfterMs), all
 * written in parallel through the station loop, one of them unplugged mid-write (unplugAtByte)
 * and plugged back in a few seconds later (replugAfterMs): only its tile fails, and it resumes by
 * itself. Then the report, exported as CSV and parsed.
 */
const BOARDS = Array.from({ length: 8 }, (_, i) => ({
  chip: 'esp32' as const,
  name: `desk${i + 1}`,
  label: `Desk ${i + 1}`,
  flashSize: 4 * 1024 * 1024,
  appearAfterMs: i * 500,
  // The last board to arrive is pulled mid-write, after the others are under way, and is back 5 s later.
  // At byte 120,000 (stub and set-up included) the first 64 KiB of the image are surely written, whatever the timing.
  ...(i === 7 ? { unplugAtByte: 120_000, replugAfterMs: 5000 } : {}),
}));
const PULLED = 'virtual:esp32:desk8';

const test = base.extend<{ kiln: HeadlessKiln; page: Page }, { browserInstance: Browser }>({
  browserInstance: browserInstanceFixture,
  kiln: async ({}, use) => {
    const { kiln, stop } = await startHeadlessKiln({
      prepare: async (dataDir) => {
        await writeFile(join(dataDir, 'demo-boards.json'), JSON.stringify(BOARDS));
        await writeFile(join(dataDir, 'settings.json'), JSON.stringify({ demoBoard: false, flashBaud: 921600 }));
        // Noise does not compress: 160 KiB crosses the wire as ~160 KiB, a couple of seconds per board.
        await writeFile(join(dataDir, 'class-firmware.bin'), classFirmware(160 * 1024));
      },
      args: (dataDir) => ['--demo-boards', join(dataDir, 'demo-boards.json')],
    });
    await use(kiln);
    await stop();
  },
  page: downloadsPageFixture,
});

const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/screenshots/${name}.png` });

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

test('eight boards plugged in over time are imaged in parallel; one pulled mid-write resumes; the report exports as CSV', async ({ page, kiln }) => {
  test.setTimeout(90_000);
  await page.goto(kiln.url);
  await page.getByRole('navigation').getByRole('button', { name: 'Classroom' }).click();
  await expect(page.getByRole('heading', { name: 'Classroom', level: 1 })).toBeVisible();

  // The recipe: nothing chosen yet says what to do.
  await page.getByLabel('Firmware', { exact: true }).selectOption('file');
  await expect(page.getByText(/Choose the firmware first/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Start the station' })).toBeDisabled();
  await page.getByLabel('Firmware file').fill(join(kiln.dataDir, 'class-firmware.bin'));
  await expect(page.getByLabel('Writing speed')).toHaveValue('921600');
  await shot(page, 'classroom-recipe');
  await page.getByRole('button', { name: 'Start the station' }).click();

  // No boards yet, Demo board off: the screen says both what to do and how to try without hardware.
  const empty = page.getByRole('region', { name: 'No boards yet' });
  await expect(empty.getByText('Plug boards in.')).toBeVisible();
  await expect(empty.getByText(/Turn on Demo board in/)).toBeVisible();
  await shot(page, 'classroom-no-boards');
  await empty.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('checkbox', { name: /Demo board/ }).check();
  await page.getByRole('navigation').getByRole('button', { name: 'Classroom' }).click();

  const tiles = page.getByRole('list', { name: 'Boards' }).getByRole('listitem');
  const tile = (port: string) => page.getByRole('listitem', { name: `Board on ${port}` });
  // Boards arrive one after another: at some point fewer than eight tiles, some of them writing.
  await expect(tiles.first()).toBeVisible({ timeout: 15_000 });
  expect(await tiles.count()).toBeLessThan(8);
  await expect(tiles).toHaveCount(8, { timeout: 15_000 });
  // In parallel: several tiles are writing at the same moment, their bars moving.
  await expect.poll(async () => page.getByRole('status').filter({ hasText: /^↻Writing/ }).count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
  await shot(page, 'classroom-writing');

  // The pulled board: only its tile says so, with what to do.
  const pulled = tile(PULLED);
  await expect(pulled.getByText('Unplugged — plug it back in to retry.')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Failed' })).toHaveCount(0);
  await pulled.scrollIntoViewIfNeeded();
  await shot(page, 'classroom-unplugged');

  // It comes back (the same board, by MAC) and resumes; all eight end done.
  await expect(page.getByRole('status').filter({ hasText: /^✓Done$/ })).toHaveCount(8, { timeout: 45_000 });
  await expect(pulled.getByRole('status')).toHaveText('✓Done');
  await shot(page, 'classroom-done');

  const report = page.getByRole('table', { name: 'Run report' });
  // The header, nine attempts, and the unplugged attempt's reason on a line of its own.
  await expect(report.getByRole('row')).toHaveCount(1 + 9 + 1);
  await expect(report.getByRole('cell', { name: /unplugged/i }).last()).toBeVisible();
  await expect(report.getByRole('cell', { name: '✓ Done' })).toHaveCount(8);
  await expect(report.getByRole('cell', { name: '⚠ Unplugged' })).toHaveCount(1);
  await page.getByRole('heading', { name: 'Run report' }).scrollIntoViewIfNeeded();
  await shot(page, 'classroom-report');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^kiln-classroom-\d{4}-\d{2}-\d{2}-\d{4}\.csv$/);
  const rows = parseCsv(await readFile((await download.path())!, 'utf8'));
  const [header, ...data] = rows;
  expect(header).toEqual(['run', 'started', 'port', 'mac', 'chip', 'flash_bytes', 'firmware', 'firmware_sha256', 'result', 'attempt', 'duration_s', 'bytes_sent', 'unchanged_bytes', 'error']);
  const col = (name: string) => header!.indexOf(name);
  expect(data).toHaveLength(9);
  const done = data.filter((row) => row[col('result')] === 'done');
  expect(done).toHaveLength(8);
  expect(new Set(done.map((row) => row[col('mac')])).size).toBe(8);
  expect(done.every((row) => row[col('chip')] === 'ESP32' && row[col('flash_bytes')] === String(4 * 1024 * 1024) && /^[0-9a-f]{64}$/.test(row[col('firmware_sha256')]!))).toBe(true);
  // Every board got the whole image, except the one pulled mid-write: it kept what it had received
  // (a board keeps its flash when unplugged), so its second attempt wrote only the rest.
  const full = done.filter((row) => row[col('port')] !== PULLED);
  expect(full.every((row) => Number(row[col('bytes_sent')]) > 160 * 1024 * 0.9 && row[col('unchanged_bytes')] === '0')).toBe(true);
  const unplugged = data.filter((row) => row[col('result')] === 'unplugged');
  expect(unplugged).toHaveLength(1);
  expect(unplugged[0]![col('port')]).toBe(PULLED);
  expect(unplugged[0]![col('error')]).toMatch(/unplugged/);
  const resumed = done.find((row) => row[col('port')] === PULLED)!;
  expect(resumed[col('mac')]).toBe(unplugged[0]![col('mac')]);
  expect(resumed[col('attempt')]).toBe('2');
  expect(Number(resumed[col('unchanged_bytes')])).toBeGreaterThanOrEqual(64 * 1024);
  expect(Number(resumed[col('bytes_sent')])).toBeLessThan(160 * 1024 * 0.7);

  // Write again on a board that holds the image: a new attempt, done, with nothing sent but the check.
  const first = tile('virtual:esp32:desk1');
  await first.getByRole('button', { name: 'Write again' }).click();
  await expect(report.getByRole('row')).toHaveCount(1 + 10 + 1, { timeout: 30_000 });
  await expect(first.getByRole('status')).toHaveText('✓Done');
  const again = report.getByRole('row').filter({ hasText: 'esp32:desk1' }).last();
  await expect(again.getByRole('cell').nth(5)).toHaveText('2'); // attempt
  await expect(again.getByRole('cell').nth(7)).toHaveText('0 B'); // sent
  await expect(again.getByRole('cell').nth(8)).toHaveText('160 KiB'); // already up to date
});
