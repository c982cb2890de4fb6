/**
 * Issue 8's hang, kept as a test: `kiln write-flash` again and again over a pty ESP32 board with
 * --before/--after no-reset, so every run after the first finds the stub still running (and the
 * board's UART still at the previous run's 921600). Every run must finish, and finish well.
 * The full 50-run loop with the other core busy is `npm run soak -- --pty-cli 50 --busy`.
 */
import { describe, expect, it } from 'vitest';
import { runPtyCliLoop } from '../../../../scripts/soak/pty-cli-loop';

describe('kiln write-flash in a loop over a pty board, stub left running', () => {
  it('finishes every run (5 runs)', async () => {
    const result = await runPtyCliLoop({ runs: 5, imageBytes: 64 * 1024, baud: 921600, runDeadlineMs: 40_000, busy: false, flashTiming: '0.1' });
    const summary = result.runs.map((r) => `${r.index}: ${r.outcome} (${r.ms} ms)${r.outcome === 'ok' ? '' : ` ${r.tail}`}`).join('\n');
    expect(result.runs).toHaveLength(5);
    expect(result.hangs, summary).toBe(0);
    expect(result.failures, summary).toBe(0);
  }, 240_000);
});
