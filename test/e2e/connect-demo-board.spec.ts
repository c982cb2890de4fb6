import { test, expect } from './headless-fixture';

test('connecting to the Demo ESP32 shows what Kiln detected', async ({ page, kiln }) => {
  await page.goto(kiln.url);
  await page.getByRole('button', { name: 'Turn on the Demo board' }).click();

  await page.getByRole('radio', { name: /Demo board \(virtual ESP32\)/ }).check();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();

  const card = page.getByRole('region', { name: '2. Your board' });
  await expect(card).toBeVisible({ timeout: 30_000 });
  await expect(card.getByText(/^ESP32-D0WD/)).toBeVisible();
  await expect(card.getByText('40 MHz')).toBeVisible();
  await expect(card.getByText(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/)).toBeVisible();
  await expect(card.getByText(/4\.0 MiB · /)).toBeVisible();
  // The automatic writing speed (the default): a virtual board's UART takes the fastest standard rate, and the card says why.
  await expect(card.getByText(/Fast flasher at 2,000,000 baud/)).toBeVisible();
  await expect(card.getByText('Automatic speed: the fastest rate that passed the link check (the adapter allows no more).')).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/demo-esp32-connected.png' });

  await card.getByRole('button', { name: 'Disconnect' }).click();
  await expect(page.getByRole('button', { name: 'Connect', exact: true })).toBeEnabled();
});
