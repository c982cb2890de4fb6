import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The headless entry point refuses a weak --token before it starts anything, with exit status 2. */
function runHeadless(...args: string[]) {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-headless-args-'));
  try {
    return spawnSync(process.execPath, ['--import', 'tsx', 'electron/entries/headless.ts', '--data-dir', dataDir, ...args], { encoding: 'utf8', timeout: 30_000 });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('kiln-headless --token', () => {
  it('refuses a 1-character token and a long low-entropy one, saying what to do', () => {
    const short = runHeadless('--token', 'x');
    expect(short.status).toBe(2);
    expect(short.stderr).toMatch(/^--token: The token is too short \(1 characters\): use at least 16 random characters\. Leave --token out/);
    expect(short.stdout).not.toContain('Kiln is running headless');

    const weak = runHeadless('--token', '1111111111111111111111');
    expect(weak.status).toBe(2);
    expect(weak.stderr).toMatch(/does not look random/);
  }, 60_000);
});
