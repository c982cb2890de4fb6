import { useEffect, useState } from 'react';
import { formatBytes, formatHex32 } from '../../../../shared/format';
import type { BackupEntry, RestoreCheck } from '../../../../shared/types/backups';
import { CHIP_DISPLAY_NAMES } from '../../../../shared/types/chips';
import { useBackupsStore } from '../../stores/backups-store';
import { useDeviceStore } from '../../stores/device-store';
import { useJobsStore } from '../../stores/jobs-store';
import { formatDate } from './format-date';
import { JobProgress } from './JobProgress';
import { Modal } from './Modal';
import { WarningList } from '../WarningList';

/**
 * Restoring a backup: pick the board, see what Kiln checked (chip, flash size, which board it came
 * from), confirm, watch it write and verify.
 */
export function RestoreDialog({ entry, onClose }: { entry: BackupEntry; onClose: () => void }) {
  const allSessions = useDeviceStore((state) => state.sessions);
  const sessions = allSessions.filter((s) => s.status !== 'lost');
  const [sessionId, setSessionId] = useState<string | null>(sessions.find((s) => s.info.chip === entry.chip)?.id ?? sessions[0]?.id ?? null);
  const session = sessions.find((s) => s.id === sessionId) ?? null;
  const { checkRestore, restore, cancel } = useBackupsStore();
  // The answer for the board it was asked about; choosing another board shows "checking" until its answer.
  const [checked, setChecked] = useState<{ sessionId: string; check: RestoreCheck | null; error: string | null } | null>(null);
  const check = checked && checked.sessionId === sessionId ? checked.check : null;
  const checkError = checked && checked.sessionId === sessionId ? checked.error : null;
  const [understood, setUnderstood] = useState(false);
  const [otherBoardOk, setOtherBoardOk] = useState(false);
  const [jobId, setJobId] = useState<string | undefined>();
  const [startError, setStartError] = useState<string | null>(null);
  const job = useJobsStore((state) => (jobId ? state.jobs[jobId] : undefined));
  const running = Boolean(jobId) && (!job || job.status === 'running');

  useEffect(() => {
    if (!sessionId) return;
    let current = true;
    void checkRestore(entry.id, sessionId).then((outcome) => {
      if (current) setChecked({ sessionId, check: outcome.ok ? outcome.value : null, error: outcome.ok ? null : outcome.error });
    });
    return () => {
      current = false;
    };
  }, [entry.id, sessionId, checkRestore]);

  const canStart = Boolean(session && check?.ok && understood && (!check.otherBoard || otherBoardOk) && !jobId);

  async function start() {
    if (!sessionId) return;
    setStartError(null);
    const outcome = await restore(entry.id, sessionId, otherBoardOk);
    if (outcome.ok) setJobId(outcome.value);
    else setStartError(outcome.error);
  }

  return (
    <Modal title={`Restore “${entry.label}”`} onClose={onClose} busy={running}>
      <div className="modal-body">
        <p className="muted wrap">
          {CHIP_DISPLAY_NAMES[entry.chip]} · <span className="mono">{entry.mac ?? 'MAC unknown'}</span> · {formatBytes(entry.region.size)} at {formatHex32(entry.region.offset)} · {formatDate(entry.createdAt)}
        </p>
        {sessions.length === 0 ? (
          <p className="field-error" role="alert">
            No board is connected. Connect the board on the Flash screen, then restore.
          </p>
        ) : (
          <label className="stacked-field">
            <span>Write it to</span>
            <select value={sessionId ?? ''} disabled={Boolean(jobId)} onChange={(event) => setSessionId(event.target.value)}>
              {sessions.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.info.mac} on {s.port}
                </option>
              ))}
            </select>
          </label>
        )}
        {checkError && (
          <p className="field-error" role="alert">
            {checkError}
          </p>
        )}
        {session && !check && !checkError && <p className="muted">Checking that the backup fits this board…</p>}
        {check && check.errors.length > 0 && (
          <div className="field-error" role="alert">
            <p>
              <strong>Kiln will not restore this backup onto this board:</strong>
            </p>
            <ul>
              {check.errors.map((error) => (
                <li key={error}>{error}</li>
              ))}
            </ul>
          </div>
        )}
        {check && <WarningList warnings={check.warnings} />}
        {check?.ok && !jobId && (
          <div className="confirmations">
            {check.otherBoard && (
              <label className="toggle small">
                <input type="checkbox" checked={otherBoardOk} onChange={(event) => setOtherBoardOk(event.target.checked)} />
                <span>Restore another board’s backup onto this one</span>
              </label>
            )}
            <label className="toggle small">
              <input type="checkbox" checked={understood} onChange={(event) => setUnderstood(event.target.checked)} />
              <span>
                I understand this overwrites {formatBytes(entry.region.size)} of flash on <span className="mono">{session?.port}</span>
              </span>
            </label>
          </div>
        )}
        {startError && (
          <p className="field-error" role="alert">
            {startError}
          </p>
        )}
        <JobProgress
          jobId={jobId}
          label="Restoring"
          succeeded="Restored and verified: the board’s flash matches the backup."
          cancelled="Cancelled. The flash may be partly written: restore again before using the board."
          onCancel={(id) => void cancel(id)}
        />
      </div>
      <div className="modal-actions">
        <button type="button" className="button secondary" onClick={onClose} disabled={running}>
          {jobId && !running ? 'Close' : 'Cancel'}
        </button>
        {!jobId && (
          <button type="button" className="button danger" disabled={!canStart} onClick={() => void start()}>
            Restore
          </button>
        )}
      </div>
    </Modal>
  );
}
