/** Runs the kiln command in process, as the CLI tests do, with what it printed on each stream. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { runCli, type CliIo } from '../../../../electron/cli/run-cli';
import type { FlashTiming } from '../../../../electron/virtual-board/hardware/flash-timing';
import { closeVirtualPorts, setVirtualBoardDefaults } from '../../../../electron/virtual-board/access/virtual-ports';

export interface KilnRun {
  code: number;
  out: string;
  err: string;
}

/** `io`: everything but the two output streams, which are captured (stdout as a non-TTY). */
export async function runKiln(argv: string[], io: Omit<CliIo, 'stdout' | 'stderr'> = {}): Promise<KilnRun> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { ...io, stdout: { write: (text) => (out += text), isTTY: false }, stderr: { write: (text) => (err += text) } });
  return { code, out, err };
}

/**
 * For a test file whose kiln runs use the virtual boards (virtual:esp32 …): a data folder of its
 * own, the boards' flash timing for the file, and everything closed and removed after it.
 */
export function virtualBoardCli(name: string, flashTiming: FlashTiming): { dir: string; kiln: (...argv: string[]) => Promise<KilnRun> } {
  const dir = mkdtempSync(path.join(tmpdir(), `kiln-${name}-`));
  beforeAll(() => setVirtualBoardDefaults({ flashTiming }));
  afterAll(async () => {
    setVirtualBoardDefaults({});
    await closeVirtualPorts();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, kiln: (...argv) => runKiln(argv, { sessionOptions: { connectAttempts: 3 }, dataDir: dir }) };
}
