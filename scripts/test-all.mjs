// `npm test`: type check, lint (with the layer rules), import-cycle check, build, unit + integration tests (vitest), end-to-end tests (Playwright),
// then one summary line of passed/failed/skipped counts. Exits non-zero if anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';

const results = { passed: 0, failed: 0, skipped: 0 };
const skippedReasons = [];
const failures = [];

function run(label, command, args) {
  console.log(`\n━━ ${label} ━━ ${command} ${args.join(' ')}`);
  const started = Date.now();
  const outcome = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : '1' } });
  console.log(`━━ ${label}: ${outcome.status === 0 ? 'ok' : `exit ${outcome.status ?? outcome.signal}`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return outcome.status === 0;
}

/** A step that is not a test suite counts as one check. */
function check(label, command, args) {
  if (run(label, command, args)) results.passed += 1;
  else {
    results.failed += 1;
    failures.push(label);
  }
}

/** The first line of a failure's message, so CI's tail says why as well as what (colour codes removed). */
function why(message) {
  const line = stripVTControlCharacters(String(message ?? '')).split('\n').find((text) => text.trim() !== '');
  return line ? ` — ${line.trim().slice(0, 300)}` : '';
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

mkdirSync('test-results', { recursive: true });
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

check('type check', npx, ['tsc', '-p', 'tsconfig.json', '--noEmit']);
check('lint', npx, ['eslint', '.', '--max-warnings', '0']);
check('import cycles', 'npm', ['run', '--silent', 'check:imports']);
const built = run('build', 'npm', ['run', 'build']);
if (!built) {
  results.failed += 1;
  failures.push('build');
}

// Unit and integration tests.
rmSync('test-results/vitest.json', { force: true });
const vitestOk = run('unit + integration tests', npx, ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile=test-results/vitest.json']);
const vitest = readJson('test-results/vitest.json');
if (vitest) {
  results.passed += vitest.numPassedTests;
  results.failed += vitest.numFailedTests;
  results.skipped += vitest.numPendingTests + vitest.numTodoTests;
  for (const file of vitest.testResults ?? []) {
    for (const test of file.assertionResults ?? []) {
      if (test.status === 'failed') failures.push(`${test.fullName}${why(test.failureMessages?.[0])}`);
      if (test.status === 'pending' || test.status === 'skipped') skippedReasons.push(test.fullName);
    }
  }
  // A suite that failed to load reports no tests: count it, or a broken import would look green.
  const brokenFiles = (vitest.testResults ?? []).filter((file) => file.status === 'failed' && (file.assertionResults ?? []).length === 0);
  results.failed += brokenFiles.length;
  failures.push(...brokenFiles.map((file) => `${file.name} (did not load)`));
}
if (!vitestOk && (!vitest || vitest.numFailedTests === 0)) {
  results.failed += 1;
  failures.push('vitest run');
}

// End-to-end tests need the built renderer and headless server.
if (built) {
  rmSync('test-results/playwright.json', { force: true });
  const e2eOk = run('end-to-end tests', npx, ['playwright', 'test']);
  const report = readJson('test-results/playwright.json');
  if (report) {
    results.passed += report.stats.expected + report.stats.flaky;
    results.failed += report.stats.unexpected;
    results.skipped += report.stats.skipped;
    const visit = (suite) => {
      for (const spec of suite.specs ?? []) {
        for (const test of spec.tests ?? []) {
          if (test.status === 'skipped') {
            const reason = test.annotations?.find((a) => a.type === 'skip')?.description ?? 'no reason given';
            skippedReasons.push(`${spec.title} — skipped: ${reason}`);
          }
          if (test.status === 'unexpected') failures.push(`${spec.title}${why(test.results?.at(-1)?.error?.message)}`);
        }
      }
      for (const child of suite.suites ?? []) visit(child);
    };
    for (const suite of report.suites ?? []) visit(suite);
  }
  if (!e2eOk && (!report || report.stats.unexpected === 0)) {
    results.failed += 1;
    failures.push('playwright run');
  }
}

console.log('');
for (const reason of skippedReasons) console.log(`skipped: ${reason}`);
for (const failure of failures) console.log(`FAILED: ${failure}`);
if (!existsSync('test-results/screenshots')) console.log('note: no screenshots were written');
console.log(`Summary: ${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped`);
process.exit(results.failed === 0 ? 0 : 1);
