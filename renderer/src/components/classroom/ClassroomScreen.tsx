import { useEffect, useId, useMemo } from 'react';
import { CHIP_DISPLAY_NAMES } from '../../../../shared/types/chips';
import type { ClassroomRunInfo, ClassroomStation } from '../../../../shared/types/classroom';
import { formatBytes } from '../../../../shared/format';
import { useAppStore } from '../../stores/app-store';
import { useClassroomStore } from '../../stores/classroom-store';
import { ErrorBanner } from '../ErrorBanner';
import { EarlierRuns } from './EarlierRuns';
import { RecipeForm } from './RecipeForm';
import { RunReport } from './RunReport';
import { StationTile } from './StationTile';
import './classroom.css';

/** Classroom mode: a recipe once, then a tile per board as boards are plugged in, and the run's report. */
export function ClassroomScreen() {
  const { state, error, notice, refresh, dismiss } = useClassroomStore();
  useEffect(() => {
    void refresh();
  }, [refresh]);
  const run = state?.run ?? null;
  // The run on screen (going on, or just ended with its report still shown) is not an earlier run.
  const onScreen = useMemo(() => new Set([run?.id, state?.report[0]?.runId].filter((id): id is string => id !== undefined)), [run?.id, state?.report]);
  return (
    <div className="screen classroom-screen">
      <header className="screen-header">
        <h1>Classroom</h1>
        <p className="muted">Image a tray of boards at once: choose a recipe, then plug boards in and watch them finish.</p>
      </header>
      {error && <ErrorBanner message={error} onDismiss={dismiss} />}
      {notice && !error && (
        <p className="note" role="status">
          {notice}
        </p>
      )}
      {!state ? <p className="muted">Loading…</p> : run ? <Station run={run} stations={state.stations} /> : <RecipeForm />}
      {state && (run || state.report.length > 0) && <RunReport rows={state.report} />}
      {state && <EarlierRuns exclude={onScreen} />}
    </div>
  );
}

function Station({ run, stations }: { run: ClassroomRunInfo; stations: ClassroomStation[] }) {
  const { working, setOptions, retry, cancel, cancelAll, stop } = useClassroomStore();
  const demoBoard = useAppStore((app) => app.settings?.demoBoard ?? false);
  const show = useAppStore((app) => app.show);
  const id = useId();
  const count = (phases: string[]) => stations.filter((station) => phases.includes(station.phase)).length;
  const busy = count(['detecting', 'queued', 'writing', 'uploading', 'ready']);
  return (
    <>
      <section className="card classroom-run" aria-labelledby={`${id}-title`}>
        <div className="card-header">
          <h2 id={`${id}-title`}>
            {run.firmwareName} <span className="muted">for the {CHIP_DISPLAY_NAMES[run.chip]} · {formatBytes(run.firmwareBytes)}</span>
          </h2>
          <div className="classroom-actions">
            <button type="button" className="button small secondary" disabled={working || busy === 0} onClick={() => void cancelAll()}>
              Cancel all
            </button>
            <button type="button" className="button small secondary" disabled={working} onClick={() => void stop()}>
              End the run
            </button>
          </div>
        </div>
        <div className="classroom-controls">
          <label className="toggle">
            <input type="checkbox" checked={run.options.autoStart} disabled={working} onChange={(event) => void setOptions({ autoStart: event.target.checked })} />
            <span>Auto-start boards as they are plugged in</span>
          </label>
          <label className="inline-field" htmlFor={`${id}-cap`}>
            Boards at once
            <input
              id={`${id}-cap`}
              type="number"
              min={1}
              max={32}
              value={run.options.concurrency}
              onChange={(event) => {
                const value = Number(event.target.value);
                if (Number.isInteger(value) && value >= 1 && value <= 32) void setOptions({ concurrency: value });
              }}
            />
          </label>
          <p className="classroom-counts" aria-live="polite">
            <span className="count-ok">✓ {count(['done'])} done</span>
            <span className="count-bad">✕ {count(['failed'])} failed</span>
            <span className="count-warn">⚠ {count(['unplugged'])} unplugged</span>
            <span>↻ {count(['detecting', 'queued', 'writing', 'uploading'])} working</span>
          </p>
        </div>
      </section>
      {stations.length === 0 ? (
        <section className="card classroom-empty" aria-label="No boards yet">
          <p className="classroom-empty-title">Plug boards in.</p>
          <p className="muted">
            Each board that appears gets a tile here; an {CHIP_DISPLAY_NAMES[run.chip]} {run.options.autoStart ? 'starts by itself' : 'waits for you to press Start'}, other chips are skipped.
          </p>
          {!demoBoard && (
            <p className="muted">
              No hardware? Turn on <strong>Demo board</strong> in{' '}
              <button type="button" className="link-button" onClick={() => show('settings')}>
                Settings
              </button>{' '}
              to use virtual boards.
            </p>
          )}
        </section>
      ) : (
        <ul className="station-grid" aria-label="Boards">
          {stations.map((station) => (
            <StationTile key={station.id} station={station} disabled={working} onRetry={() => void retry(station.id)} onCancel={() => void cancel(station.id)} />
          ))}
        </ul>
      )}
    </>
  );
}
