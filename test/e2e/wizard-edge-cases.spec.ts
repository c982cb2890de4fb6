import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { buildImage } from '../../electron/esp/image';
import type { ChipFamily } from '../../shared/types/chips';
import { BOARDS, expect, shoot, test, type BoardKey, type WizardKiln } from './wizard-fixture';

async function connectTo(page: Page, kiln: WizardKiln, board: BoardKey): Promise<void> {
  await page.goto(kiln.url);
  await page.getByRole('button', { name: 'Turn on the Demo board' }).click();
  await page.getByRole('radio', { name: new RegExp(BOARDS[board].label.replace(/[()]/g, '\\$&')) }).check();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
}

/** A valid image whose body is pseudo-random (so compression cannot make the write quick). */
async function imageFile(chip: ChipFamily, bytes: number): Promise<string> {
  const data = new Uint8Array(bytes - 64);
  let x = 12345;
  for (let i = 0; i < data.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x & 0xff;
  }
  const entry = chip === 'esp8266' ? 0x40100004 : 0x40080400;
  const address = chip === 'esp8266' ? 0x40100000 : 0x40080000;
  const image = buildImage({ chip, entry, flashSize: chip === 'esp8266' ? '512KB' : '4MB', segments: [{ address, data }] });
  const path = join(tmpdir(), `kiln-e2e-${chip}-${bytes}-${Date.now()}.bin`);
  await writeFile(path, image);
  return path;
}

test('a 512 KB ESP8266 is offered the 512K build, told why, and flashed with it', async ({ page, kiln }) => {
  await connectTo(page, kiln, 'esp01');
  const card = page.getByRole('region', { name: '2. Your board' });
  await expect(card.getByText(/512 KiB · /)).toBeVisible({ timeout: 30_000 });
  const firmware = page.getByRole('region', { name: '3. Firmware' });
  await expect(firmware.getByRole('radio', { name: /MicroPython v1\.28\.0.*Recommended.*512 KB flash/ })).toBeChecked({ timeout: 15_000 });
  await expect(firmware.getByText(/ESP8266_GENERIC-FLASH_512K-20260406-v1\.28\.0\.bin/)).toBeVisible();
  await expect(firmware.getByText(/Your board has 512 KiB of flash, so Kiln offers the build made for it; the standard build needs 2\.0 MiB/)).toBeVisible();
  // The 2 MB and 1 MB builds are not offered at all.
  await expect(firmware.getByText(/ESP8266_GENERIC-20260406/)).toHaveCount(0);
  await expect(firmware.getByText(/FLASH_1M/)).toHaveCount(0);
  await shoot(page, 'wizard-512k', 'light', '3. Firmware');
  await page.getByRole('button', { name: 'Flash MicroPython' }).click();
  await expect(page.getByText('Written and hash verified.')).toBeVisible({ timeout: 45_000 });
});

test('an image too big for the flash is refused in the UI with the reason', async ({ page, kiln }) => {
  await connectTo(page, kiln, 'esp01');
  await expect(page.getByRole('region', { name: '2. Your board' })).toBeVisible({ timeout: 30_000 });
  await page.getByLabel('Firmware file').setInputFiles(await imageFile('esp8266', 600 * 1024));
  const refusal = page.getByRole('alert').filter({ hasText: 'Kiln will not write this file to this board' });
  await expect(refusal).toBeVisible();
  await expect(refusal).toContainText(/is 600 KiB; written at 0x00000000 it needs 600 KiB of flash, but this board has 512 KiB/);
  await expect(page.getByRole('button', { name: 'Flash MicroPython' })).toBeDisabled();
  await expect(page.getByText('This file does not fit this board (see above).')).toBeVisible();
  await shoot(page, 'wizard-too-big', 'light', '3. Firmware');
});

test('a failed connection shows the guidance, and Retry connects', async ({ page, kiln }) => {
  await connectTo(page, kiln, 'stubborn');
  const failure = page.getByRole('alert').filter({ hasText: 'Could not connect to the board' });
  await expect(failure).toBeVisible({ timeout: 45_000 });
  // The engine's guidance, one step per line: BOOT and RESET, and the bare-module strapping.
  await expect(failure.getByRole('listitem').filter({ hasText: /hold BOOT.*tap RESET/ })).toBeVisible();
  await expect(failure.getByRole('listitem').filter({ hasText: /GPIO15 must be tied low and GPIO2 high/ })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Retry at a lower baud (115,200)' })).toBeEnabled();
  await shoot(page, 'wizard-connect-failed', 'light', '2. Connect');
  await page.getByRole('button', { name: 'Retry', exact: true }).click();
  await expect(page.getByRole('region', { name: '2. Your board' })).toBeVisible({ timeout: 30_000 });
});

test('Cancel mid-write leaves the board recoverable, and the retry succeeds', async ({ page, kiln }) => {
  await connectTo(page, kiln, 'esp32');
  await expect(page.getByRole('region', { name: '2. Your board' })).toBeVisible({ timeout: 30_000 });
  await page.getByLabel('Firmware file').setInputFiles(await imageFile('esp32', 384 * 1024));
  await expect(page.getByText(/Your file · 384 KiB/)).toBeVisible();
  await page.getByRole('button', { name: 'Flash MicroPython' }).click();
  const bar = page.getByRole('progressbar', { name: 'Flashing' });
  await expect(page.getByText(/Writing at 0x/)).toBeVisible({ timeout: 20_000 });
  // The percentage agrees with the bar: both come from one number.
  const percent = Number((await page.locator('.progress-text span').nth(1).textContent())?.replace('%', ''));
  expect(Number(await bar.getAttribute('aria-valuenow'))).toBe(percent);
  await shoot(page, 'wizard-5-flashing', 'light', '5. Flash');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByText(/Cancelled\. The board is still in its loader/)).toBeVisible({ timeout: 20_000 });
  await shoot(page, 'wizard-cancelled', 'light', '5. Flash');
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByText('Written and hash verified.')).toBeVisible({ timeout: 45_000 });
});
