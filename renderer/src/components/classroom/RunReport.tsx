import { Fragment, useId, useState, type FormEvent } from 'react';
import type { ClassroomReportRow } from '../../../../shared/types/classroom';
import { CHIP_DISPLAY_NAMES } from '../../../../shared/types/chips';
import { formatBytes } from '../../../../shared/format';
import { useClassroomStore } from '../../stores/classroom-store';

const RESULT_TEXT: Record<ClassroomReportRow['result'], string> = { done: '✓ Done', failed: '✕ Failed', cancelled: '■ Cancelled', skipped: '⊘ Skipped', unplugged: '⚠ Unplugged' };

/**
 * One row per attempt on a board, newest last; exported as CSV for the teacher's records. Without
 * `runId` it is the current (or last) run's; with it, an earlier run's from the history.
 */
export function RunReport({ rows, runId, title = 'Run report' }: { rows: ClassroomReportRow[]; runId?: string; title?: string }) {
  const { downloadCsv, saveCsv } = useClassroomStore();
  const id = useId();
  const [saving, setSaving] = useState(false);
  const [folder, setFolder] = useState('');
  const done = rows.filter((row) => row.result === 'done').length;

  async function save(event: FormEvent) {
    event.preventDefault();
    if (await saveCsv(folder.trim(), runId)) setSaving(false);
  }

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <div className="card-header">
        <h2 id={`${id}-title`}>{title}</h2>
        <div className="classroom-actions">
          <button type="button" className="button small" disabled={rows.length === 0} onClick={() => void downloadCsv(runId)}>
            Export CSV
          </button>
          <button type="button" className="button small secondary" disabled={rows.length === 0} onClick={() => setSaving((open) => !open)} aria-expanded={saving}>
            Save to a folder…
          </button>
        </div>
      </div>
      {saving && (
        <form className="inline-form" onSubmit={(event) => void save(event)}>
          <label htmlFor={`${id}-folder`}>Folder</label>
          <input id={`${id}-folder`} className="mono" type="text" value={folder} placeholder="/home/you/Documents" autoFocus onChange={(event) => setFolder(event.target.value)} />
          <button type="submit" className="button small" disabled={!folder.trim()}>
            Save
          </button>
        </form>
      )}
      {rows.length === 0 ? (
        <p className="muted">Nothing yet: each board adds a row when it finishes (or fails, or is unplugged).</p>
      ) : (
        <>
          <p className="muted">
            {done} board{done === 1 ? '' : 's'} done · {rows.length} attempt{rows.length === 1 ? '' : 's'}
          </p>
          <div className="table-wrap">
            <table className="table classroom-report" aria-label={title}>
              <thead>
                <tr>
                  <th scope="col">Port</th>
                  <th scope="col">MAC</th>
                  <th scope="col">Chip</th>
                  <th scope="col">Flash</th>
                  <th scope="col">Result</th>
                  <th scope="col">Attempt</th>
                  <th scope="col">Time</th>
                  <th scope="col">Sent</th>
                  <th scope="col">Up to date</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <Fragment key={`${row.stationId}-${row.attempt}-${row.finishedAt}`}>
                    <tr className={row.error ? 'has-error' : undefined}>
                      <td className="mono">{row.port.replace(/^virtual:/, '')}</td>
                      <td className="mono">{row.mac ?? '—'}</td>
                      <td>{row.chip ? CHIP_DISPLAY_NAMES[row.chip] : '—'}</td>
                      <td>{row.flashBytes ? formatBytes(row.flashBytes) : '—'}</td>
                      <td className={`result-${row.result}`}>{RESULT_TEXT[row.result]}</td>
                      <td>{row.attempt}</td>
                      <td>{(row.durationMs / 1000).toFixed(1)} s</td>
                      {/* A write cut short has no totals: a dash, not a misleading 0 B. */}
                      <td>{row.result === 'done' || row.bytesSent > 0 ? formatBytes(row.bytesSent) : '—'}</td>
                      <td>{row.result === 'done' || row.unchangedBytes > 0 ? formatBytes(row.unchangedBytes) : '—'}</td>
                    </tr>
                    {/* The reason gets a full-width line of its own under its row, so the table never scrolls sideways. */}
                    {row.error && (
                      <tr className="error-row">
                        <td colSpan={9}>{row.error}</td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted small-print">
            Firmware {rows[0]!.firmware}, SHA-256 <span className="mono">{rows[0]!.firmwareSha256}</span>
          </p>
        </>
      )}
    </section>
  );
}
