import WebSocket from 'ws';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDemoFirmware } from '../../electron/virtual-board/demo-firmware';
import type { WireServerFrame } from '../../shared/contract/api';
import { test, expect, type HeadlessKiln } from './headless-fixture';

/**
 * The seed story: flash MicroPython on the Demo board, open the terminal, evaluate 1 + 2, upload a
 * main.py that prints a line, press reset and see that line after the boot.
 */

/** A contract client of its own (the flashing wizard is another screen): requests over the WebSocket. */
async function contract(kiln: HeadlessKiln): Promise<{ call<T>(name: string, args: unknown): Promise<T>; waitForJob(id: string): Promise<{ status: string; error: unknown }>; close(): void }> {
  const socket = new WebSocket(`${kiln.origin.replace('http', 'ws')}/api?token=${encodeURIComponent(kiln.token)}`, { origin: kiln.origin });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let next = 1;
  const pending = new Map<number, (frame: WireServerFrame) => void>();
  const jobs = new Map<string, { status: string; error: unknown }>();
  socket.on('message', (raw: Buffer) => {
    const frame = JSON.parse(raw.toString()) as WireServerFrame;
    if (frame.type === 'response') pending.get(frame.id)?.(frame);
    if (frame.type === 'event' && frame.name === 'job.updated') {
      const job = frame.payload as { id: string; status: string; error: unknown };
      jobs.set(job.id, job);
    }
  });
  return {
    call<T>(name: string, args: unknown): Promise<T> {
      const id = next++;
      socket.send(JSON.stringify({ type: 'request', id, name, args }));
      return new Promise<T>((resolve, reject) => {
        pending.set(id, (frame) => {
          if (frame.type !== 'response') return;
          if (frame.response.ok) resolve(frame.response.result as T);
          else reject(new Error(frame.response.error.message));
        });
      });
    },
    async waitForJob(id) {
      for (;;) {
        const job = jobs.get(id);
        if (job && job.status !== 'running') return job;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () => socket.close(),
  };
}

test('flash MicroPython, 1 + 2 in the terminal, upload main.py, reset, see its line', async ({ page, kiln }) => {
  test.setTimeout(120_000);
  const api = await contract(kiln);
  const dir = await mkdtemp(join(tmpdir(), 'kiln-e2e-fw-'));
  try {
    // Flash the demo MicroPython image through the bootloader, as the wizard does.
    await api.call('settings.update', { demoBoard: true });
    const firmware = buildDemoFirmware('esp32');
    await writeFile(join(dir, 'micropython-esp32.bin'), firmware.data);
    const local = await api.call<{ id: string }>('firmware.local.add', { path: join(dir, 'micropython-esp32.bin') });
    const device = await api.call<{ id: string }>('device.connect', { port: 'virtual:esp32' });
    const job = await api.call<{ id: string }>('device.write', { sessionId: device.id, images: [{ image: { kind: 'local', id: local.id }, offset: firmware.offset }] });
    expect((await api.waitForJob(job.id)).status).toBe('succeeded');
    // The flashing session stays open: the terminal takes the port over (as "Open the REPL" will).

    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(kiln.url);
    await page.getByRole('navigation').getByRole('button', { name: 'Terminal' }).click();
    await page.getByLabel('Port').selectOption('virtual:esp32');
    await page.getByRole('button', { name: 'Open terminal' }).click();
    await expect(page.getByTestId('board-state')).toHaveText(/Connected/, { timeout: 30_000 });

    const terminal = page.getByTestId('terminal');
    const rows = terminal.locator('.xterm-rows');
    // Taking the port over from the flashing session resets the board: its boot shows here.
    await expect(rows).toContainText('MicroPython v1.24.1', { timeout: 30_000 });
    await expect(rows).toContainText('>>>', { timeout: 30_000 });
    // The status bar names what the board is doing, now that the terminal holds it.
    await expect(page.locator('.status-bar [role="status"]')).toHaveText(/^Board on virtual:esp32.*: MicroPython REPL open/);
    await terminal.click();
    await page.keyboard.type('1 + 2');
    await page.keyboard.press('Enter');
    await expect(async () => {
      const text = await rows.innerText();
      expect(text).toMatch(/>>> 1 \+ 2\s*\n3\s*\n>>>/);
    }).toPass({ timeout: 10_000 });

    // The Files panel lists the board's (empty) filesystem with its free space.
    const files = page.getByRole('region', { name: 'Files on the board' });
    await expect(files.getByText(/free of/)).toBeVisible({ timeout: 20_000 });
    await page.screenshot({ path: 'test-results/screenshots/repl-terminal-1-plus-2.png' });

    await page.getByTestId('upload-input').setInputFiles({ name: 'main.py', mimeType: 'text/x-python', buffer: Buffer.from("print('Hello from main.py, after boot')\n") });
    await expect(files.getByRole('cell', { name: 'main.py' })).toBeVisible({ timeout: 20_000 });
    await expect(files.getByRole('cell', { name: '40 B' })).toBeVisible();

    // The editor shows it highlighted; the screenshot records it.
    await files.getByRole('button', { name: 'Edit main.py' }).click();
    await expect(page.locator('.cm-content')).toContainText("print('Hello from main.py, after boot')");
    await page.screenshot({ path: 'test-results/screenshots/repl-editor-main-py.png' });
    await page.getByRole('region', { name: '/main.py' }).getByRole('button', { name: 'Close' }).click();

    await page.getByRole('button', { name: 'Hard reset' }).click();
    await expect(async () => {
      const text = await rows.innerText();
      const reset = text.lastIndexOf('rst:');
      expect(reset).toBeGreaterThan(-1);
      expect(text.slice(reset)).toMatch(/Hello from main\.py, after boot[\s\S]*>>>/);
    }).toPass({ timeout: 30_000 });
    await expect(page.getByTestId('board-state')).toHaveText(/Connected/, { timeout: 15_000 });
    await page.screenshot({ path: 'test-results/screenshots/repl-after-reset.png' });

    // Deleting asks first.
    await files.getByRole('row', { name: /main\.py/ }).getByRole('button', { name: 'Delete' }).click();
    await expect(files.getByRole('group', { name: 'Confirm delete' })).toContainText('Delete main.py? This cannot be undone.');
    await page.screenshot({ path: 'test-results/screenshots/repl-confirm-delete.png' });
    await files.getByRole('group', { name: 'Confirm delete' }).getByRole('button', { name: 'Delete' }).click();
    await expect(files.getByText('Empty. Drop files here or use Upload….')).toBeVisible({ timeout: 20_000 });
  } finally {
    api.close();
    await rm(dir, { recursive: true, force: true });
  }
});
