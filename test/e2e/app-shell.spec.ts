import { test, expect } from './headless-fixture';

test('the app shell loads in headless mode and talks to the main process', async ({ page, kiln }) => {
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.goto(kiln.url);

  await expect(page.getByRole('heading', { name: 'Put MicroPython on your board' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Flash' })).toHaveAttribute('aria-current', 'page');
  // These come from the main process over the WebSocket: proof the contract round-trips.
  await expect(page.getByRole('status')).toHaveText('No board connected');
  await expect(page.getByText(/Kiln \S+ · headless mode/)).toBeVisible();
  await expect(page.getByText('No boards found.')).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/app-shell.png' });
  expect(consoleErrors).toEqual([]);
});

test('turning the Demo board off and on from the keyboard in Settings changes the port list', async ({ page, kiln }) => {
  await page.goto(kiln.url);
  await expect(page.getByRole('status')).toHaveText('No board connected');
  await page.getByRole('button', { name: 'Turn on the Demo board' }).click();
  await expect(page.getByRole('radiogroup').getByText('Demo board (virtual ESP32)')).toBeVisible();
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expect(page.getByText(kiln.dataDir)).toBeVisible();

  const toggle = page.getByRole('checkbox', { name: /Demo board/ });
  await expect(toggle).toBeChecked();
  await toggle.focus();
  await page.keyboard.press('Space');
  await expect(toggle).not.toBeChecked();
  await page.getByRole('button', { name: 'Flash' }).click();
  await expect(page.getByText('No boards found.')).toBeVisible();
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await toggle.focus();
  await page.keyboard.press('Space');
  await expect(toggle).toBeChecked();

  await page.getByRole('button', { name: 'Flash' }).click();
  const ports = page.getByRole('radiogroup');
  await expect(ports.getByText('Demo board (virtual ESP32)')).toBeVisible();
  await expect(ports.getByText('Demo board (virtual ESP8266)')).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/demo-ports.png' });
});

test('a page opened without the token, or with a wrong one, says to open the address Kiln printed', async ({ page, kiln }) => {
  await page.goto(`${kiln.origin}/`);
  await expect(page.getByRole('heading', { name: 'Open the address Kiln printed' })).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/no-token.png' });
  await page.goto(`${kiln.origin}/#token=wrong`);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Open the address Kiln printed' })).toBeVisible({ timeout: 10_000 });
  await expect(page.getByText('Put MicroPython on your board')).toHaveCount(0);
});
