import { test as base, expect, type Page } from '@playwright/test';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from '@playwright/test';
import { browserInstanceFixture, startHeadlessKiln, type HeadlessKiln } from './headless-fixture';
import { spawn } from 'node:child_process';
import { patchImageHeader } from '../../electron/esp/image';
import { flashSizeNameForBytes } from '../../electron/esp/image-tables';
import type { ChipFamily } from '../../shared/types/chips';

/**
 * Headless Kiln for the wizard: the catalog from a local stand-in for micropython.org (small
 * images, so the real-time link model stays quick), Demo boards with flash files this process
 * reads back afterwards, and settings for a fast link.
 */
export const BOARDS = {
  esp8266: { chip: 'esp8266', name: 'wizard', flashSize: 4 * 1024 * 1024, label: 'Demo board (virtual ESP8266)' },
  esp32: { chip: 'esp32', name: 'wizard', flashSize: 4 * 1024 * 1024, label: 'Demo board (virtual ESP32)' },
  esp01: { chip: 'esp8266', name: 'esp01', flashSize: 512 * 1024, label: 'Demo ESP-01 (512 KB)' },
  stubborn: { chip: 'esp32', name: 'stubborn', flashSize: 4 * 1024 * 1024, label: 'Demo board that needs BOOT held', refuseDownloadModeFor: 1 },
} as const;
export type BoardKey = keyof typeof BOARDS;

/** The stand-in for micropython.org, in its own process. */
export interface CatalogServer {
  baseUrl: string;
  /** The bytes it serves for a firmware file. */
  file(fileName: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

async function startCatalogServer(): Promise<CatalogServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/firmware/serve-fake-micropython.mts', String(48 * 1024)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the catalog stand-in did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the catalog stand-in exited with ${code}:\n${output}`)));
  });
  return {
    baseUrl,
    async file(fileName) {
      const response = await fetch(`${baseUrl}/resources/firmware/${fileName}`);
      return new Uint8Array(await response.arrayBuffer());
    },
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface WizardKiln extends HeadlessKiln {
  catalog: CatalogServer;
  portPath(board: BoardKey): string;
  /** The board's flash as its flash file holds it (saved a moment after writes settle). */
  flashFile(board: BoardKey): Promise<Uint8Array>;
}

export const test = base.extend<{ kiln: WizardKiln; page: Page }, { browserInstance: Browser }>({
  browserInstance: browserInstanceFixture,
  kiln: async ({}, use) => {
    const catalog = await startCatalogServer();
    let dir = '';
    const { kiln, stop } = await startHeadlessKiln({
      prepare: async (dataDir) => {
        dir = dataDir;
        const boards = Object.entries(BOARDS).map(([key, spec]) => ({ ...spec, flashFile: join(dataDir, `${key}.flash`) }));
        await writeFile(join(dataDir, 'demo-boards.json'), JSON.stringify(boards));
        await writeFile(join(dataDir, 'settings.json'), JSON.stringify({ demoBoard: false, flashBaud: 921600 }));
      },
      args: (dataDir) => ['--catalog-url', catalog.baseUrl, '--demo-boards', join(dataDir, 'demo-boards.json')],
    });
    await use({
      ...kiln,
      catalog,
      portPath: (board) => `virtual:${BOARDS[board].chip}:${BOARDS[board].name}`,
      flashFile: async (board) => new Uint8Array(await readFile(join(dir, `${board}.flash`)).catch(() => Buffer.alloc(0))),
    });
    await stop();
    await catalog.close();
  },
  page: async ({ browserInstance, colorScheme }, use) => {
    const context = await browserInstance.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: colorScheme ?? 'light' });
    const page = await context.newPage();
    await use(page);
    await context.close();
  },
});

/** What the board's flash must hold after Kiln wrote `image` with the flash size set to the detected one. */
export function expectedFlashBytes(image: Uint8Array, chip: ChipFamily, flashSize: number): Uint8Array {
  const name = flashSizeNameForBytes(chip, flashSize);
  return name ? patchImageHeader(image, chip, { flashSize: name }) : image;
}

/** A 1280×800 screenshot with `focus` (a heading's text) scrolled into view. */
export async function shoot(page: Page, name: string, colorScheme: string, focus?: string): Promise<void> {
  if (focus) await page.getByRole('heading', { name: focus }).first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: `test-results/screenshots/${name}-${colorScheme}.png` });
}

export { expect };
