import type { OperationProgress } from '../../../shared/types/device';
import { formatBytes, formatDuration, formatSpeed } from '../../../shared/format';

const STAGE_TEXT: Record<OperationProgress['stage'], string> = {
  connecting: 'Connecting to the board',
  'uploading-stub': 'Starting the fast flasher',
  'changing-baud': 'Switching to a faster speed',
  erasing: 'Erasing',
  comparing: 'Comparing with the board',
  writing: 'Writing',
  verifying: 'Checking what was written',
  reading: 'Reading',
  downloading: 'Downloading',
  resetting: 'Restarting the board',
  done: 'Done',
};

/** A labelled progress bar with bytes, speed and time left; indeterminate while the total is unknown. */
export function ProgressBar({ progress, label }: { progress: OperationProgress | null; label: string }) {
  const total = progress?.total ?? 0;
  const done = progress?.done ?? 0;
  const fraction = total > 0 ? Math.min(1, done / total) : null;
  const remaining = progress && progress.bytesPerSecond > 0 && total > 0 ? (total - done) / progress.bytesPerSecond : Number.NaN;
  return (
    <div className="progress-block">
      <div className="progress-text">
        <span>{progress ? (progress.message ?? STAGE_TEXT[progress.stage]) : label}</span>
        {fraction !== null && <span>{Math.round(fraction * 100)}%</span>}
      </div>
      <div
        className={fraction === null ? 'progress indeterminate' : 'progress'}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        {...(fraction !== null ? { 'aria-valuenow': Math.round(fraction * 100) } : {})}
      >
        <span style={{ width: fraction === null ? '30%' : `${fraction * 100}%` }} />
      </div>
      {/* Always rendered, so the layout does not jump when numbers appear. */}
      <div className="progress-detail muted">
        {fraction !== null ? `${formatBytes(done)} of ${formatBytes(total)} · ${formatSpeed(progress?.bytesPerSecond ?? 0)} · ${formatDuration(remaining)} left` : '\u00a0'}
      </div>
    </div>
  );
}
