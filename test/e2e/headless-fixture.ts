import { test as base, chromium, type Browser, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's Chromium: Playwright's own browser download is not reachable here. */
export const CHROMIUM_PATH = process.env.KILN_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface HeadlessKiln {
  url: string;
  origin: string;
  token: string;
  dataDir: string;
}

/** Starts the built headless server (dist/) on a free port with a fresh data directory. */
export async function startHeadlessKiln(
  options: { args?: (dataDir: string) => string[]; prepare?: (dataDir: string) => Promise<void> } = {},
): Promise<{ kiln: HeadlessKiln; stop: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kiln-e2e-'));
  await options.prepare?.(dataDir);
  const child: ChildProcess = spawn(process.execPath, ['dist/electron/headless.mjs', '--port', '0', '--data-dir', dataDir, ...(options.args?.(dataDir) ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`headless Kiln did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`headless Kiln exited with ${code}:\n${output}`)));
  });
  const parsed = new URL(url);
  const token = new URLSearchParams(parsed.hash.slice(1)).get('token') ?? '';
  return {
    kiln: { url, origin: parsed.origin, token, dataDir },
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** One Debian Chromium per Playwright worker, for every spec's fixtures. */
export const browserInstanceFixture: [(fixtures: object, use: (browser: Browser) => Promise<void>) => Promise<void>, { scope: 'worker' }] = [
  // Playwright reads which fixtures a function uses from its first parameter's pattern: none here.
  async ({}, use) => {
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    await use(browser);
    await browser.close();
  },
  { scope: 'worker' },
];

/** A page in its own context, 1280×800, that accepts downloads (the classroom's CSV exports). */
export async function downloadsPageFixture({ browserInstance }: { browserInstance: Browser }, use: (page: Page) => Promise<void>): Promise<void> {
  const context = await browserInstance.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  await use(page);
  await context.close();
}

export const test = base.extend<{ kiln: HeadlessKiln; page: Page }, { browserInstance: Browser }>({
  browserInstance: browserInstanceFixture,
  kiln: async ({}, use) => {
    const { kiln, stop } = await startHeadlessKiln();
    await use(kiln);
    await stop();
  },
  page: async ({ browserInstance }, use) => {
    const context = await browserInstance.newContext({ viewport: { width: 1180, height: 800 } });
    const page = await context.newPage();
    await use(page);
    await context.close();
  },
});

export { expect } from '@playwright/test';
