import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOARDS, expect, expectedFlashBytes, shoot, test, type BoardKey, type WizardKiln } from './wizard-fixture';
import type { Page } from '@playwright/test';
import { buildImage } from '../../electron/esp/image';

async function openWithDemoBoards(page: Page, kiln: WizardKiln): Promise<void> {
  await page.goto(kiln.url);
  await expect(page.getByText('No boards found.')).toBeVisible();
  await page.getByRole('button', { name: 'Turn on the Demo board' }).click();
}

async function connect(page: Page, board: BoardKey): Promise<void> {
  await page.getByRole('radio', { name: new RegExp(BOARDS[board].label.replace(/[()]/g, '\\$&')) }).check();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByRole('region', { name: '2. Your board' })).toBeVisible({ timeout: 30_000 });
}

async function flashAndVerify(page: Page, kiln: WizardKiln, board: BoardKey, image: Uint8Array, offset: number, shots: string | null, colorScheme: string): Promise<void> {
  await page.getByRole('button', { name: 'Flash MicroPython' }).click();
  const done = page.getByRole('region', { name: /^Done: / });
  await expect(done).toBeVisible({ timeout: 45_000 });
  await expect(done.getByText('Written and hash verified.')).toBeVisible();
  if (shots) await shoot(page, `${shots}-5-done`, colorScheme, 'Done: MicroPython is on your board');
  // The way on to the board's REPL (followed at the end of the catalog path).
  await expect(done.getByRole('button', { name: 'Open the REPL' })).toBeEnabled();
  // The board's flash (its NOR contents, as the virtual board saves them) holds the image.
  const expected = expectedFlashBytes(image, BOARDS[board].chip, BOARDS[board].flashSize);
  await expect
    .poll(async () => {
      const flash = await kiln.flashFile(board);
      return Buffer.compare(Buffer.from(flash.subarray(offset, offset + expected.length)), Buffer.from(expected));
    }, { timeout: 10_000 })
    .toBe(0);
}

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`${colorScheme} theme`, () => {
    test.use({ colorScheme });

    test('the whole path with catalog firmware: demo ESP8266, then demo ESP32', async ({ page, kiln }) => {
      await openWithDemoBoards(page, kiln);
      await shoot(page, 'wizard-1-port', colorScheme);
      await connect(page, 'esp8266');
      const card = page.getByRole('region', { name: '2. Your board' });
      await expect(card.getByText(/^ESP8266/).first()).toBeVisible();
      await expect(card.getByText(/4\.0 MiB · /)).toBeVisible();
      await expect(card.getByText('Nothing: the flash is empty')).toBeVisible();
      await shoot(page, 'wizard-2-board', colorScheme, '2. Your board');

      // The list comes from the local stand-in for micropython.org; newest stable preselected.
      const firmware = page.getByRole('region', { name: '3. Firmware' });
      const recommended = firmware.getByRole('radio', { name: /MicroPython v1\.28\.0.*Recommended/ });
      await expect(recommended).toBeChecked({ timeout: 15_000 });
      await expect(firmware.getByText(/ESP8266_GENERIC-20260406-v1\.28\.0\.bin/)).toBeVisible();
      await shoot(page, 'wizard-3-firmware', colorScheme, '3. Firmware');
      await page.getByText('4. Options').click();
      await expect(page.getByRole('checkbox', { name: /Erase everything first/ })).toBeChecked();
      await expect(page.getByText(/Write offset: 0x00000000/)).toBeVisible();
      await page.getByText('Write offset:').scrollIntoViewIfNeeded();
      await shoot(page, 'wizard-4-options', colorScheme);
      await page.getByText('4. Options').click();

      const image8266 = await kiln.catalog.file('ESP8266_GENERIC-20260406-v1.28.0.bin');
      await flashAndVerify(page, kiln, 'esp8266', image8266, 0, colorScheme === 'light' ? 'wizard-esp8266' : `wizard-esp8266`, colorScheme);

      await page.getByRole('region', { name: '2. Your board' }).getByRole('button', { name: 'Disconnect' }).click();
      await connect(page, 'esp32');
      await expect(card.getByText(/^ESP32-D0WD/)).toBeVisible();
      await expect(card.getByText(/4\.0 MiB · /)).toBeVisible();
      await expect(firmware.getByRole('radio', { name: /MicroPython v1\.28\.0.*Recommended/ })).toBeChecked({ timeout: 15_000 });
      await expect(firmware.getByText(/ESP32_GENERIC-20260406-v1\.28\.0\.bin/)).toBeVisible();
      const image32 = await kiln.catalog.file('ESP32_GENERIC-20260406-v1.28.0.bin');
      await flashAndVerify(page, kiln, 'esp32', image32, 0x1000, 'wizard-esp32', colorScheme);
      await expect(page.getByRole('status')).toHaveText(/ESP32 on virtual:esp32:wizard: ready/);

      // "Open the REPL" hands the port to the terminal, which resets the board into what was just written.
      await page.getByRole('button', { name: 'Open the REPL' }).click();
      // The catalog stand-in's builds are small fakes, not MicroPython the virtual board can run: what
      // shows is the board's own boot after the terminal reset it (repl-terminal.spec.ts runs real MicroPython).
      await expect(page.getByRole('heading', { name: 'Terminal' })).toBeVisible();
      await expect(page.locator('.xterm-rows')).toContainText('rst:0x1 (POWERON_RESET)', { timeout: 30_000 });
      await shoot(page, 'wizard-7-repl-after-flash', colorScheme);
    });
  });
}

test('a local file chosen through the file input is checked, flashed and verified', async ({ page, kiln }) => {
  const image = localImage(40 * 1024);
  const path = join(tmpdir(), `kiln-e2e-local-${Date.now()}.bin`);
  await writeFile(path, image);
  await openWithDemoBoards(page, kiln);
  await connect(page, 'esp32');
  await page.getByLabel('Firmware file').setInputFiles(path);
  const firmware = page.getByRole('region', { name: '3. Firmware' });
  await expect(firmware.getByText(/Your file · 40\.0 KiB · ESP32 image/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Flash MicroPython' })).toBeEnabled();
  await shoot(page, 'wizard-local-file', 'light', '3. Firmware');
  await flashAndVerify(page, kiln, 'esp32', image, 0x1000, null, 'light');
});

/** A valid ESP32 image of about `bytes`, made here (not downloaded), as a user's own build would be. */
function localImage(bytes: number): Uint8Array {
  const data = new Uint8Array(bytes - 64);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
  return buildImage({ chip: 'esp32', entry: 0x40080400, flashSize: '4MB', segments: [{ address: 0x40080000, data }] });
}
