/**
 * Where the CLI's words go. Text mode: lines on stdout, warnings on stderr, progress as a bar on
 * a TTY and plain lines when piped. --json: only one JSON object per result on stdout (machines
 * parse it); the human lines are dropped and warnings still go to stderr.
 */
import type { OperationProgress } from '../../shared/types/device';
import { ProgressPrinter, type TextOutput } from './progress-bar';

export interface CliOutput {
  say(line: string): void;
  warn(message: string): void;
  /** One result, as a JSON object in --json mode (ignored in text mode, where the lines said it). */
  result(value: Record<string, unknown>): void;
  progress(progress: OperationProgress): void;
  /** Ends a progress bar so the next text starts on its own line. */
  endBar(): void;
}

export function createOutput(stdout: TextOutput, stderr: TextOutput, json: boolean, showProgress = true): CliOutput {
  if (json) {
    return {
      say: () => undefined,
      warn: (message) => stderr.write(`Warning: ${message}\n`),
      result: (value) => stdout.write(`${JSON.stringify(value)}\n`),
      progress: () => undefined,
      endBar: () => undefined,
    };
  }
  const printer = new ProgressPrinter(stdout);
  return {
    say(line) {
      printer.endBar();
      stdout.write(`${line}\n`);
    },
    warn(message) {
      printer.endBar();
      stderr.write(`Warning: ${message}\n`);
    },
    result: () => undefined,
    progress: showProgress ? printer.update : () => undefined,
    endBar: () => printer.endBar(),
  };
}
