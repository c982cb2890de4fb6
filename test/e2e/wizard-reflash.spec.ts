import { BOARDS, expect, shoot, test } from './wizard-fixture';

/**
 * Flashing the same firmware twice: the second time Kiln asks the board for hashes of what it
 * holds and writes nothing that is already there, and the done screen says so.
 */
test.use({ colorScheme: 'light' });

test('a second flash of the same firmware writes nothing and says so', async ({ page, kiln }) => {
  await page.goto(kiln.url);
  await page.getByRole('button', { name: 'Turn on the Demo board' }).click();
  await page.getByRole('radio', { name: new RegExp(BOARDS.esp32.label.replace(/[()]/g, '\\$&')) }).check();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const card = page.getByRole('region', { name: '2. Your board' });
  await expect(card).toBeVisible({ timeout: 30_000 });

  const firmware = page.getByRole('region', { name: '3. Firmware' });
  await expect(firmware.getByRole('radio', { name: /MicroPython v1\.28\.0.*Recommended/ })).toBeChecked({ timeout: 15_000 });
  // Keep what is on the board: erasing first would leave nothing to compare with.
  await page.getByText('4. Options').click();
  await page.getByRole('checkbox', { name: /Erase everything first/ }).uncheck();
  await page.getByText('4. Options').click();

  await page.getByRole('button', { name: 'Flash MicroPython' }).click();
  const done = page.getByRole('region', { name: /^Done: / });
  await expect(done).toBeVisible({ timeout: 45_000 });
  await expect(done.getByText(/^All .* written\.$/)).toBeVisible();

  await done.getByRole('button', { name: 'Flash again' }).click();
  await page.getByRole('button', { name: 'Flash MicroPython' }).click();
  await expect(done).toBeVisible({ timeout: 45_000 });
  await expect(done.getByText('Written and hash verified.')).toBeVisible();
  await expect(done.getByText('The board already held exactly this: nothing had to be written, only checked.')).toBeVisible();
  await shoot(page, 'wizard-reflash-done', 'light', 'Done: MicroPython is on your board');
});
