/**
 * `npm run soak`: many short write sessions with faults injected (dropped and flipped bytes, a
 * stalled board, a pulled cable), on the ESP8266 and the ESP32, through the stub and the ROM
 * loader alone, in process and over a pty. Each outcome is judged by reading the flash back:
 *
 *   clean success · clear error (a Kiln error with a message) · silent corruption (reported
 *   success, flash differs) · unverified (reported so) · hang (no outcome within the deadline)
 *
 * It stops by itself after --sessions or --seconds, whichever comes first, and exits non-zero on
 * any silent corruption, hang or unclear error. The last line is the summary.
 *
 *   npm run soak -- [--sessions 1000] [--seconds 600] [--parallel 6] [--pty-every 20] [--seed 1]
 *   npm run soak -- --pty-cli 50 [--busy]      the issue-8 loop: kiln write-flash over a pty, stub left running
 */
import { parseArgs } from 'node:util';
import { runPtyCliLoop } from './pty-cli-loop';
import { planSession, runSession, type Outcome, type SessionResult } from './sessions';

const SESSION_DEADLINE_MS = 90_000;
/** Flash timing for the sessions: real datasheet times, a hundred times faster. */
const FLASH_TIMING = 0.01;

function number(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name} must be a whole number >= 0 (got ${text}).`);
    process.exit(2);
  }
  return value;
}

async function soakSessions(sessions: number, seconds: number, parallel: number, ptyEvery: number, seed: number): Promise<number> {
  const counts: Record<Outcome, number> = { clean: 0, 'clear-error': 0, 'silent-corruption': 0, unverified: 0, hang: 0, 'unclear-error': 0 };
  let faults = 0;
  let unverifiedMismatches = 0;
  let started = 0;
  let done = 0;
  const stopAt = Date.now() + seconds * 1000;
  const bad: SessionResult[] = [];

  const worker = async (): Promise<void> => {
    while (started < sessions && Date.now() < stopAt) {
      const plan = planSession(started++, seed, ptyEvery);
      const result = await runSession(plan, SESSION_DEADLINE_MS, FLASH_TIMING);
      done++;
      counts[result.outcome]++;
      if (plan.fault !== 'none') faults++;
      if (result.unverifiedMismatch) unverifiedMismatches++;
      if (result.outcome === 'silent-corruption' || result.outcome === 'hang' || result.outcome === 'unclear-error') {
        bad.push(result);
        console.log(`  ${result.outcome}: ${JSON.stringify(plan)} ${result.detail}`);
      }
      if (done % 100 === 0) console.log(`  ${done} sessions…`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));

  console.log(`clean successes: ${counts.clean}; unverified writes that were also wrong: ${unverifiedMismatches}; unclear errors: ${counts['unclear-error']}`);
  console.log(
    `soak: ${done} sessions, ${faults} faults, ${counts['clear-error']} clear errors, ${counts['silent-corruption']} silent corruptions, ${counts.unverified} unverified, ${counts.hang} hangs`,
  );
  return bad.length === 0 ? 0 : 1;
}

async function soakPtyCli(runs: number, busy: boolean): Promise<number> {
  const result = await runPtyCliLoop({
    runs,
    imageBytes: 256 * 1024,
    baud: 921600,
    runDeadlineMs: 120_000,
    busy,
    onRun: (run) => {
      const note = run.outcome === 'ok' ? '' : `\n${run.tail}`;
      console.log(`  run ${run.index}: ${run.outcome} in ${(run.ms / 1000).toFixed(1)} s${note}`);
    },
  });
  console.log(`soak: ${runs} pty CLI writes${busy ? ' with the other core busy' : ''}, ${result.failures} failed, ${result.hangs} hangs`);
  return result.hangs === 0 && result.failures === 0 ? 0 : 1;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sessions: { type: 'string' },
      seconds: { type: 'string' },
      parallel: { type: 'string' },
      'pty-every': { type: 'string' },
      seed: { type: 'string' },
      'pty-cli': { type: 'string' },
      busy: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values['pty-cli'] !== undefined) {
    process.exitCode = await soakPtyCli(number(values['pty-cli'], 'pty-cli', 50), values.busy === true);
    return;
  }
  process.exitCode = await soakSessions(
    number(values.sessions, 'sessions', 1000),
    number(values.seconds, 'seconds', 600),
    number(values.parallel, 'parallel', 6),
    number(values['pty-every'], 'pty-every', 20),
    number(values.seed, 'seed', 1),
  );
}

void main();
