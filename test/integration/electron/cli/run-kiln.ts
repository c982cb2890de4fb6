/** Runs the kiln command in process, as the CLI tests do, with what it printed on each stream. */
import { runCli, type CliIo } from '../../../../electron/cli/run-cli';

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
