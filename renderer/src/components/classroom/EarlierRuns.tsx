import { useId, useState } from 'react';
import { HISTORY_RUNS_KEPT, type ClassroomHistoryRun, type ClassroomResult } from '../../../../shared/types/classroom';
import { CHIP_DISPLAY_NAMES } from '../../../../shared/types/chips';
import { useClassroomStore } from '../../stores/classroom-store';
import { RunReport } from './RunReport';

const startedText = (at: number): string => new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Boards that ended done, and boards whose last attempt did not (a board retried to done counts once, as done). */
function tally(rows: ClassroomHistoryRun['rows']): { boards: number; done: number; notDone: number } {
  const last = new Map<string, ClassroomResult>();
  for (const row of rows) last.set(row.stationId, row.result);
  const results = [...last.values()];
  const done = results.filter((result) => result === 'done').length;
  const notDone = results.filter((result) => result === 'failed' || result === 'unplugged' || result === 'cancelled').length;
  return { boards: results.length, done, notDone };
}

/**
 * The runs Kiln kept (its data folder holds the last HISTORY_RUNS_KEPT), newest first, except the ones this
 * screen already shows: a teacher finds last week's report here, and exports it again as CSV.
 */
export function EarlierRuns({ exclude }: { exclude: ReadonlySet<string> }) {
  const history = useClassroomStore((store) => store.history);
  const [open, setOpen] = useState<string | null>(null);
  const id = useId();
  const runs = (history ?? []).filter((entry) => !exclude.has(entry.run.id));
  if (runs.length === 0) return null;
  const shown = runs.find((entry) => entry.run.id === open) ?? null;
  return (
    <>
      <section className="card" aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`}>Earlier runs</h2>
        <p className="muted">Kept in Kiln&apos;s data folder (the last {HISTORY_RUNS_KEPT}). Open one to see its report or export it as CSV.</p>
        <div className="table-wrap">
          <table className="table classroom-report earlier-runs" aria-label="Earlier runs">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Firmware</th>
                <th scope="col">Chip</th>
                <th scope="col">Boards</th>
                <th scope="col">Done</th>
                <th scope="col">Not done</th>
                <th scope="col">
                  <span className="visually-hidden">Report</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.map(({ run, rows }) => {
                const { boards, done, notDone } = tally(rows);
                const isOpen = open === run.id;
                return (
                  <tr key={run.id}>
                    <td>{startedText(run.startedAt)}</td>
                    <td className="earlier-firmware" title={run.firmwareName}>
                      {run.firmwareName}
                    </td>
                    <td>{CHIP_DISPLAY_NAMES[run.chip]}</td>
                    <td>{boards}</td>
                    <td className={done > 0 ? 'result-done' : undefined}>{done}</td>
                    <td className={notDone > 0 ? 'result-failed' : undefined}>{notDone}</td>
                    <td>
                      <button
                        type="button"
                        className="button small secondary"
                        aria-expanded={isOpen}
                        aria-label={`${isOpen ? 'Hide' : 'Show'} the report of the run started ${startedText(run.startedAt)}`}
                        onClick={() => setOpen(isOpen ? null : run.id)}
                      >
                        {isOpen ? 'Hide report' : 'Show report'}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>
      {shown && <RunReport key={shown.run.id} rows={shown.rows} runId={shown.run.id} title={`Report of the run started ${startedText(shown.run.startedAt)}`} />}
    </>
  );
}
