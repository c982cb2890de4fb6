import { BoardIdentityFacts, loaderLine } from '../BoardFacts';
import { useEffect, useState } from 'react';
import { formatBytes, formatHex32, parseSize } from '../../../../shared/format';
import type { DeviceSession } from '../../../../shared/types/device';
import { useAppStore } from '../../stores/app-store';
import { useBackupsStore } from '../../stores/backups-store';
import { useDeviceStore } from '../../stores/device-store';
import { useJobsStore } from '../../stores/jobs-store';
import { usePortsStore } from '../../stores/ports-store';
import { ProgressBar } from '../ProgressBar';
import { BoardHistoryTable } from './BoardHistoryTable';
import { formatDate } from './format-date';
import { JobProgress } from './JobProgress';
import { ConfirmDialog } from './Modal';
import { WarningList } from '../WarningList';

/** Everything known about the connected board: what it is, what firmware it seems to run, its backups, and erasing it. */
export function DevicePage() {
  const sessions = useDeviceStore((state) => state.sessions);
  const selectedPort = usePortsStore((state) => state.selected);
  const [chosen, setChosen] = useState<string | null>(null);
  const show = useAppStore((state) => state.show);
  const loadHistory = useBackupsStore((state) => state.loadHistory);
  useEffect(() => void loadHistory(), [loadHistory]);
  const session = sessions.find((s) => s.id === chosen) ?? sessions.find((s) => s.port === selectedPort) ?? sessions[0];
  return (
    <div className="screen">
      <header className="screen-header">
        <h1>Device</h1>
        <p className="muted">What Kiln knows about the connected board, and a safe copy of its flash.</p>
      </header>
      {sessions.length > 1 && session && (
        <label className="field card">
          <strong>Board</strong>
          <select value={session.id} onChange={(event) => setChosen(event.target.value)}>
            {sessions.map((s) => (
              <option key={s.id} value={s.id}>
                {s.info.description} on {s.port}
              </option>
            ))}
          </select>
        </label>
      )}
      {session ? (
        <ConnectedBoard key={session.id} session={session} />
      ) : (
        <section className="card">
          <h2>No board connected</h2>
          <p className="muted">Connect a board first; then its details, its firmware and backups appear here.</p>
          <button type="button" className="button" onClick={() => show('flash')}>
            Go to Flash to connect
          </button>
        </section>
      )}
      <BoardHistoryTable />
    </div>
  );
}

function ConnectedBoard({ session }: { session: DeviceSession }) {
  const { info } = session;
  const port = usePortsStore((state) => state.ports.find((p) => p.path === session.port));
  const look = useBackupsStore((state) => state.firmware[session.id]);
  const probe = useBackupsStore((state) => state.probe);
  const record = useBackupsStore((state) => state.history.find((r) => r.mac === info.mac.toLowerCase()));
  const ready = session.status === 'ready';
  useEffect(() => {
    if (!look && ready) void probe(session.id);
  }, [look, ready, probe, session.id]);
  return (
    <>
      <section className="card" aria-labelledby="board-heading">
        <div className="card-header">
          <h2 id="board-heading">{info.description}</h2>
          <span className={`badge badge-${session.status}`}>{session.status === 'ready' ? 'Connected' : session.status === 'busy' ? 'Busy' : 'Connection lost'}</span>
        </div>
        <dl className="facts">
          <BoardIdentityFacts info={info} />
          <dt>Adapter</dt>
          <dd>
            {port?.adapter ?? 'Unknown adapter'} <span className="mono muted">{session.port}</span>
          </dd>
          <dt>Loader</dt>
          <dd>{loaderLine(info)}</dd>
          <dt>Firmware</dt>
          <dd>
            {look?.state === 'probing' ? (
              <span className="muted">Looking…</span>
            ) : look?.state === 'failed' ? (
              <span className="field-error">{look.error}</span>
            ) : (
              <span data-testid="firmware-guess">{look?.guess?.summary ?? '–'}</span>
            )}{' '}
            <button type="button" className="link-button" disabled={!ready || look?.state === 'probing'} onClick={() => void probe(session.id)}>
              Look again
            </button>
          </dd>
          <dt>Last backup</dt>
          <dd>{record?.lastBackup ? `${formatDate(record.lastBackup.at)}: “${record.lastBackup.label}”` : 'Never backed up with Kiln'}</dd>
          <dt>Last written</dt>
          <dd>{record?.lastFlash ? `${formatDate(record.lastFlash.at)}: ${record.lastFlash.what}` : '–'}</dd>
        </dl>
        <WarningList warnings={session.warnings} />
      </section>
      <BackupCard session={session} />
      <EraseCard session={session} />
    </>
  );
}

function BackupCard({ session }: { session: DeviceSession }) {
  const { backUp, cancel } = useBackupsStore();
  const jobId = useBackupsStore((state) => state.backupJobs[session.id]);
  const running = useJobsStore((state) => (jobId ? state.jobs[jobId]?.status === 'running' || !state.jobs[jobId] : false));
  const show = useAppStore((state) => state.show);
  const [label, setLabel] = useState('');
  const [whole, setWhole] = useState(true);
  const [offsetText, setOffsetText] = useState('0x0');
  const [sizeText, setSizeText] = useState('0x100000');
  const [error, setError] = useState<string | null>(null);
  const flashSize = session.info.flash?.sizeBytes ?? null;
  const defaultLabel = `${session.info.description.split(' ')[0]} ${session.info.mac}`;

  async function start() {
    setError(null);
    let region;
    if (!whole) {
      const offset = parseSize(offsetText);
      const size = parseSize(sizeText);
      if (offset === null || size === null || size === 0) {
        setError('Enter the region as numbers, for example offset 0x10000 and size 1M.');
        return;
      }
      region = { offset, size };
    }
    const outcome = await backUp(session.id, { ...(label.trim() ? { label: label.trim() } : {}), ...(region ? { region } : {}) });
    if (!outcome.ok) setError(outcome.error);
  }

  return (
    <section className="card" aria-labelledby="backup-heading">
      <div className="card-header">
        <h2 id="backup-heading">Back up this board</h2>
        <button type="button" className="button" disabled={session.status !== 'ready' || running} onClick={() => void start()}>
          {running ? 'Backing up…' : 'Back up now'}
        </button>
      </div>
      <p className="muted">
        Kiln reads the flash, checks it against the board’s own MD5 and keeps it in your backups, so you can put it back later.
      </p>
      <div className="form-grid">
        <label htmlFor="backup-label">Name</label>
        <input id="backup-label" type="text" value={label} placeholder={defaultLabel} maxLength={120} onChange={(event) => setLabel(event.target.value)} disabled={running} />
        <span>What</span>
        <div className="choice-row" role="radiogroup" aria-label="What to back up">
          <label className="toggle small inline">
            <input type="radio" name="backup-what" checked={whole} onChange={() => setWhole(true)} disabled={running} />
            <span>Whole flash{flashSize !== null ? ` (${formatBytes(flashSize)})` : ''}</span>
          </label>
          <label className="toggle small inline">
            <input type="radio" name="backup-what" checked={!whole} onChange={() => setWhole(false)} disabled={running} />
            <span>A region</span>
          </label>
        </div>
        {!whole && (
          <>
            <label htmlFor="backup-offset">Offset</label>
            <input id="backup-offset" className="mono" type="text" value={offsetText} onChange={(event) => setOffsetText(event.target.value)} disabled={running} />
            <label htmlFor="backup-size">Size</label>
            <input id="backup-size" className="mono" type="text" value={sizeText} onChange={(event) => setSizeText(event.target.value)} disabled={running} />
          </>
        )}
      </div>
      {!session.info.usingStub && session.info.chip !== 'esp8266' && (
        <p className="muted">Without the fast flasher the ESP32 ROM reads 64 bytes at a time: a whole flash takes several minutes.</p>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <JobProgress
        jobId={jobId}
        label="Backing up"
        succeeded="Backup saved and checked."
        cancelled="Cancelled. Nothing was saved."
        onCancel={(id) => void cancel(id)}
      />
      {jobId && !running && (
        <button type="button" className="link-button" onClick={() => show('backups')}>
          Open Backups
        </button>
      )}
      {!whole && <p className="muted small-print">Region: {formatRegion(offsetText, sizeText)}</p>}
    </section>
  );
}

function formatRegion(offsetText: string, sizeText: string): string {
  const offset = parseSize(offsetText);
  const size = parseSize(sizeText);
  if (offset === null || size === null) return '–';
  return `${formatHex32(offset)} to ${formatHex32(offset + size)} (${formatBytes(size)})`;
}

function EraseCard({ session }: { session: DeviceSession }) {
  const { erase, cancel } = useBackupsStore();
  const jobId = useBackupsStore((state) => state.eraseJobs[session.id]);
  const job = useJobsStore((state) => (jobId ? state.jobs[jobId] : undefined));
  const record = useBackupsStore((state) => state.history.find((r) => r.mac === session.info.mac.toLowerCase()));
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const running = Boolean(jobId) && (!job || job.status === 'running');
  return (
    <section className="card" aria-labelledby="erase-heading">
      <div className="card-header">
        <h2 id="erase-heading">Erase the flash</h2>
        <button type="button" className="button danger" disabled={session.status !== 'ready' || running} onClick={() => setConfirming(true)}>
          Erase…
        </button>
      </div>
      <p className="muted">Wipes everything on the board: its firmware, files and settings.</p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {jobId && <JobProgress jobId={jobId} label="Erasing" succeeded="The flash is erased." onCancel={(id) => void cancel(id)} />}
      {running && !job?.progress && <ProgressBar progress={null} label="Erasing" />}
      {confirming && (
        <ConfirmDialog
          title="Erase the whole flash?"
          confirmLabel="Erase everything"
          onClose={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            setError(null);
            void erase(session.id).then((outcome) => !outcome.ok && setError(outcome.error));
          }}
        >
          <p>
            Everything on the board on <span className="mono">{session.port}</span> is lost: firmware, files and settings.
          </p>
          {record?.lastBackup ? (
            <p className="muted">Its last backup: “{record.lastBackup.label}”, {formatDate(record.lastBackup.at)}.</p>
          ) : (
            <p className="warning-text">This board has never been backed up. Back it up first if you may want its contents again.</p>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}
