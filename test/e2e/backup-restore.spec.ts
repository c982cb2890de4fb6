import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { buildDemoFirmware } from '../../electron/virtual-board/demo-firmware';
import type { WireServerFrame } from '../../shared/contract/api';
import { test, expect, type HeadlessKiln } from './headless-fixture';

/**
 * Set-up, not the story under test: puts the demo MicroPython image on the connected board through
 * the contract (the flashing wizard is another screen's job), so there is something to back up.
 */
async function flashDemoFirmware(kiln: HeadlessKiln): Promise<void> {
  const socket = new WebSocket(`${kiln.origin.replace('http', 'ws')}/api?token=${kiln.token}`, { headers: { Origin: kiln.origin } });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let next = 1;
  const waiting = new Map<number, (frame: WireServerFrame) => void>();
  const finished = new Map<string, (status: string) => void>();
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as WireServerFrame;
    if (frame.type === 'response') waiting.get(frame.id)?.(frame);
    else if (frame.name === 'job.updated') {
      const job = frame.payload as { id: string; status: string };
      if (job.status !== 'running') finished.get(job.id)?.(job.status);
    }
  });
  const call = <T>(name: string, args: unknown) =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      waiting.set(id, (frame) => {
        if (frame.type !== 'response') return;
        if (frame.response.ok) resolve(frame.response.result as T);
        else reject(new Error(frame.response.error.message));
      });
      socket.send(JSON.stringify({ type: 'request', id, name, args }));
    });
  try {
    const image = join(kiln.dataDir, 'demo-micropython-esp32.bin');
    await writeFile(image, buildDemoFirmware('esp32').data);
    const local = await call<{ id: string }>('firmware.local.add', { path: image });
    const [session] = await call<{ id: string }[]>('device.list', {});
    const job = await call<{ id: string }>('device.write', { sessionId: session!.id, images: [{ image: { kind: 'local', id: local.id } }] });
    const status = await new Promise<string>((resolve) => finished.set(job.id, resolve));
    if (status !== 'succeeded') throw new Error(`writing the demo firmware ended ${status}`);
  } finally {
    socket.close();
  }
}

/**
 * The backup story through the UI against the Demo ESP32: back up its flash (the part that holds
 * the bootloader and MicroPython), erase the board, restore the backup, and see the firmware back.
 * The region keeps the test short: the Demo board takes real time on the wire (a whole 4 MiB read
 * at 460,800 baud is about 90 s).
 */
test('back up the Demo ESP32, erase it, restore it', async ({ page, kiln }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(kiln.url);
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('checkbox', { name: /Demo board/ }).check();
  await page.getByRole('navigation').getByRole('button', { name: 'Flash' }).click();
  await page.getByRole('radio', { name: /Demo board \(virtual ESP32\)/ }).check();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByRole('region', { name: '2. Your board' })).toBeVisible({ timeout: 30_000 });
  await flashDemoFirmware(kiln);

  // The Device page: what the board is and what runs on it.
  await page.getByRole('navigation').getByRole('button', { name: 'Device' }).click();
  const firmware = page.getByTestId('firmware-guess');
  await expect(firmware).toHaveText(/^MicroPython v\d+\.\d+/, { timeout: 30_000 });
  await expect(page.getByText('Never backed up with Kiln')).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/backup-1-device-page.png' });

  const backup = page.getByRole('region', { name: 'Back up this board' });
  await backup.getByLabel('Name').fill('Demo board as delivered');
  await backup.getByRole('radio', { name: 'A region' }).check();
  await backup.getByLabel('Offset').fill('0x0');
  await backup.getByLabel('Size').fill('256K');
  await backup.getByRole('button', { name: 'Back up now' }).click();
  await expect(backup.getByRole('progressbar', { name: 'Backing up' })).toBeVisible();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: 'test-results/screenshots/backup-2-reading.png' });
  await expect(backup.getByText('Backup saved and checked.')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText(/: “Demo board as delivered”/).first()).toBeVisible();

  // Erase, confirmed in a dialog that names what is lost.
  const erase = page.getByRole('region', { name: 'Erase the flash' });
  await erase.getByRole('button', { name: 'Erase…' }).click();
  const confirm = page.getByRole('dialog', { name: 'Erase the whole flash?' });
  await expect(confirm.getByText(/Its last backup: “Demo board as delivered”/)).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/backup-3-erase-confirm.png' });
  await confirm.getByRole('button', { name: 'Erase everything' }).click();
  await expect(erase.getByText('The flash is erased.')).toBeVisible({ timeout: 60_000 });
  await expect(firmware).toHaveText('Erased (nothing on it)', { timeout: 30_000 });

  // The library lists the backup; restore it with the guards shown and confirmed.
  await page.getByRole('navigation').getByRole('button', { name: 'Backups' }).click();
  const row = page.getByRole('listitem', { name: 'Demo board as delivered' });
  await expect(row.getByText(/ESP32 · .* · 256 KiB at 0x00000000/)).toBeVisible();
  await expect(row.getByText(/^MicroPython v/)).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/backup-4-library.png' });
  await row.getByRole('button', { name: 'Restore…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Restore “Demo board as delivered”' });
  const restoreButton = dialog.getByRole('button', { name: 'Restore', exact: true });
  await expect(dialog.getByRole('checkbox', { name: /I understand this overwrites 256 KiB/ })).toBeVisible();
  await expect(restoreButton).toBeDisabled();
  await dialog.getByRole('checkbox', { name: /I understand/ }).check();
  await page.screenshot({ path: 'test-results/screenshots/backup-5-restore-dialog.png' });
  await restoreButton.click();
  await expect(dialog.getByText('Restored and verified: the board’s flash matches the backup.')).toBeVisible({ timeout: 60_000 });
  await page.screenshot({ path: 'test-results/screenshots/backup-6-restored.png' });
  await dialog.getByRole('button', { name: 'Close' }).click();

  // Back on the Device page the firmware is there again, and the history says what happened.
  await page.getByRole('navigation').getByRole('button', { name: 'Device' }).click();
  await expect(firmware).toHaveText(/^MicroPython v\d+\.\d+/, { timeout: 30_000 });
  await expect(page.getByRole('region', { name: 'Boards Kiln has seen' }).getByText(/backup "Demo board as delivered"/)).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/backup-7-device-after-restore.png', fullPage: true });
});
