import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, expect } from './headless-fixture';

/**
 * The library's guards and housekeeping through the UI: import a raw image, see a restore onto the
 * wrong chip refused (with the reason, and no way to press Restore), rename, delete with confirmation.
 */
test('an imported ESP8266 image cannot be restored onto the Demo ESP32; rename and delete it', async ({ page, kiln }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  const imagePath = join(kiln.dataDir, 'nodemcu-dump.bin');
  await writeFile(imagePath, new Uint8Array(512 * 1024).fill(0xff));

  await page.goto(kiln.url);
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('checkbox', { name: /Demo board/ }).check();
  await page.getByRole('navigation').getByRole('button', { name: 'Flash' }).click();
  await page.getByRole('radio', { name: /Demo board \(virtual ESP32\)/ }).check();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByRole('region', { name: '2. Your board' })).toBeVisible({ timeout: 30_000 });

  await page.getByRole('navigation').getByRole('button', { name: 'Backups' }).click();
  await expect(page.getByText(/No backups yet/)).toBeVisible();
  await page.getByText('Import an image file').click();
  await page.getByLabel('File').fill(imagePath);
  await page.getByLabel('Name', { exact: true }).fill('NodeMCU dump');
  await page.getByLabel('Chip').selectOption('esp8266');
  await page.getByLabel('MAC address (optional)').fill('5c:cf:7f:01:02:03');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByText('Imported “NodeMCU dump” (512 KiB).')).toBeVisible();
  const row = page.getByRole('listitem', { name: 'NodeMCU dump' });
  await expect(row.getByText(/ESP8266 · 5c:cf:7f:01:02:03 · 512 KiB at 0x00000000 .* imported/)).toBeVisible();
  await expect(row.getByText('Erased (nothing on it)')).toBeVisible();

  await row.getByRole('button', { name: 'Restore…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Restore “NodeMCU dump”' });
  await expect(dialog.getByText(/This backup is of an ESP8266; the connected board is an ESP32/)).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Restore', exact: true })).toBeDisabled();
  await expect(dialog.getByRole('checkbox')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/screenshots/backup-library-refused.png' });
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  await row.getByRole('button', { name: 'Rename' }).click();
  await page.getByLabel('New name').fill('Blue NodeMCU, factory');
  await page.getByRole('button', { name: 'Save' }).click();
  const renamed = page.getByRole('listitem', { name: 'Blue NodeMCU, factory' });
  await expect(renamed).toBeVisible();
  await page.getByRole('searchbox').fill('esp32');
  await expect(page.getByText('No backups match “esp32”.')).toBeVisible();
  await page.getByRole('searchbox').fill('5c:cf');
  await expect(renamed).toBeVisible();

  await renamed.getByRole('button', { name: 'Delete…' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete “Blue NodeMCU, factory”?' });
  await expect(confirm.getByText(/cannot be undone/)).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/backup-library-delete-confirm.png' });
  await confirm.getByRole('button', { name: 'Delete backup' }).click();
  await expect(page.getByText('Deleted “Blue NodeMCU, factory”.')).toBeVisible();
  await expect(page.getByRole('listitem', { name: 'Blue NodeMCU, factory' })).toHaveCount(0);
});
