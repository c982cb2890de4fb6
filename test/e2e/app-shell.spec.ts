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
  await expect(page.getByRole('status')).toHaveText('Connected');
  await expect(page.getByText(/Kiln \S+ · headless mode/)).toBeVisible();
  await expect(page.getByText('No boards found.')).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/app-shell.png' });
  expect(consoleErrors).toEqual([]);
});

test('turning on the Demo board from the keyboard adds virtual boards to the port list', async ({ page, kiln }) => {
  await page.goto(kiln.url);
  await expect(page.getByRole('status')).toHaveText('Connected');
  await page.getByRole('button', { name: 'Turn on the Demo board' }).click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expect(page.getByText(kiln.dataDir)).toBeVisible();

  const toggle = page.getByRole('checkbox', { name: /Demo board/ });
  await toggle.focus();
  await page.keyboard.press('Space');
  await expect(toggle).toBeChecked();

  await page.getByRole('button', { name: 'Flash' }).click();
  const ports = page.getByRole('radiogroup');
  await expect(ports.getByText('Demo board (virtual ESP32)')).toBeVisible();
  await expect(ports.getByText('Demo board (virtual ESP8266)')).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/demo-ports.png' });
});

test('the page shows a readable message when the token is wrong', async ({ page, kiln }) => {
  await page.goto(`${kiln.origin}/#token=wrong`);
  await expect(page.getByRole('status')).toHaveText(/Disconnected from Kiln|Connecting to Kiln/);
  await expect(page.getByText('Put MicroPython on your board')).toBeVisible();
});
