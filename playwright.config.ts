import { defineConfig } from '@playwright/test';

// End-to-end tests drive the built renderer. Headless mode in Debian's Chromium everywhere; the real
// Electron app too where its binary is installed (test/e2e/electron.spec.ts skips, with the reason, elsewhere).
export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/e2e',
  timeout: 60_000,
  workers: 1,
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    screenshot: 'only-on-failure',
    trace: 'off',
  },
});
