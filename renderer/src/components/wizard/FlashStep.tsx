import { useEffect, useState } from 'react';
import type { DeviceSession } from '../../../../shared/types/device';
import { formatBytes, formatDuration, formatHex32, formatSpeed } from '../../../../shared/format';
import { useFlashStore } from '../../stores/flash-store';
import { useFirmwareStore } from '../../stores/firmware-store';
import { useJobsStore } from '../../stores/jobs-store';
import { overallProgress, planStages } from './flash-progress';
import { describeDiff } from './diff-summary';
import { WarningList } from '../WarningList';

export interface FlashStepProps {
  session: DeviceSession;
  imageBytes: number;
  needsDownload: boolean;
  /** Why the Flash button is off, shown beside it; null when it can be pressed. */
  blocked: string | null;
  /** Set by the REPL feature once it exists; until then the success screen offers no REPL button. */
  onOpenRepl?: (sessionId: string) => void;
}

/** Step 5: one button, one bar across the stages, Cancel; then "hash verified". */
export function FlashStep({ session, imageBytes, needsDownload, blocked, onOpenRepl }: FlashStepProps) {
  const { phase, options, writeJobId, downloadJobId, error, start, cancel, reset, startedAt } = useFlashStore();
  const chosen = useFirmwareStore((state) => state.chosen);
  const reloadCache = useFirmwareStore((state) => state.reloadCache);
  const job = useJobsStore((state) => (writeJobId ? state.jobs[writeJobId] : downloadJobId ? state.jobs[downloadJobId] : undefined));
  const [now, setNow] = useState(() => Date.now());
  const running = phase === 'downloading' || phase === 'writing';
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [running]);
  useEffect(() => {
    if (phase === 'succeeded' || phase === 'failed') void reloadCache();
  }, [phase, reloadCache]);

  const plan = planStages({
    download: needsDownload || downloadJobId !== null,
    eraseAll: options.eraseAll,
    imageBytes,
    flashBytes: session.info.flash?.sizeBytes ?? 4 * 1024 * 1024,
    bytesPerSecond: session.info.baudRate / 10,
  });
  const progress = job?.progress ?? null;
  // The erase is the first stage of a write job, so the job's start is the erase's start.
  const overall = overallProgress(plan, running ? progress : null, Math.max(0, now - startedAt) / 1000, phase === 'succeeded');
  const percent = Math.floor(overall.fraction * 100);
  const result = phase === 'succeeded' && job?.result?.kind === 'flash' ? job.result : null;
  const remaining = progress && progress.bytesPerSecond > 0 && progress.total > 0 ? (progress.total - progress.done) / progress.bytesPerSecond : Number.NaN;

  if (phase === 'succeeded') {
    const verified = result?.regions.every((r) => r.verified) ?? false;
    return (
      <section className="card success" aria-labelledby="done-heading">
        <h2 id="done-heading">{chosen?.kind === 'local' ? 'Done: your firmware is on the board' : 'Done: MicroPython is on your board'}</h2>
        <p>
          {verified ? <strong>Written and hash verified.</strong> : <strong>Written.</strong>}{' '}
          {result?.regions.map((r) => `${formatBytes(r.size)} at ${formatHex32(r.offset)}, MD5 ${r.md5}`).join('; ')}
        </p>
        {result && <p>{describeDiff(result.regions)}</p>}
        {!verified && <p className="warnings">The board’s loader could not compute a hash, so the write was not verified.</p>}
        {result && <WarningList warnings={result.warnings} />}
        <p className="muted">Open the REPL to start MicroPython and talk to it, or disconnect to restart the board into it.</p>
        <div className="actions">
          {onOpenRepl && (
            <button type="button" className="button" onClick={() => onOpenRepl(session.id)}>
              Open the REPL
            </button>
          )}
          <button type="button" className="button secondary" onClick={reset}>
            Flash again
          </button>
        </div>
      </section>
    );
  }

  return (
    <section className="card" aria-labelledby="flash-heading">
      <div className="card-header">
        <h2 id="flash-heading">5. Flash</h2>
        {running ? (
          <button type="button" className="button secondary" onClick={() => void cancel()}>
            Cancel
          </button>
        ) : (
          <button type="button" className="button" disabled={blocked !== null || !chosen || session.status !== 'ready'} onClick={() => chosen && void start(session.id, chosen, needsDownload)}>
            {phase === 'failed' || phase === 'cancelled' ? 'Try again' : 'Flash MicroPython'}
          </button>
        )}
      </div>
      <ol className="stages" aria-label="Stages">
        {plan.map((p) => (
          <li key={p.stage} className={overall.done.includes(p.stage) && (running || p.weight === 0) ? 'stage done' : running && overall.current === p.stage ? 'stage current' : 'stage'}>
            {p.label}
          </li>
        ))}
      </ol>
      <div className="progress-block">
        <div className="progress-text">
          <span>{running ? (progress?.message ?? (phase === 'downloading' ? 'Downloading' : 'Starting')) : phase === 'cancelled' ? 'Cancelled' : '\u00a0'}</span>
          <span>{running ? `${percent}%` : '\u00a0'}</span>
        </div>
        <div className="progress" role="progressbar" aria-label="Flashing" aria-valuemin={0} aria-valuemax={100} aria-valuenow={running ? percent : 0}>
          <span style={{ width: `${running ? overall.fraction * 100 : 0}%` }} />
        </div>
        <div className="progress-detail muted">
          {running && progress && progress.total > 0
            ? `${formatBytes(progress.done)} of ${formatBytes(progress.total)} · ${formatSpeed(progress.bytesPerSecond)} · ${formatDuration(remaining)} left`
            : running && progress?.stage === 'erasing'
              ? `Erasing for ${formatDuration((now - startedAt) / 1000)} (a whole chip takes a few seconds per MB)`
              : '\u00a0'}
        </div>
      </div>
      {blocked && !running && <p className="muted">{blocked}</p>}
      {phase === 'cancelled' && <p role="status">Cancelled. The board is still in its loader and can be flashed again; it will not start MicroPython until a write completes.</p>}
      {phase === 'failed' && error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

