import type { ClassroomPhase, ClassroomStation } from '../../../../shared/types/classroom';
import { CHIP_DISPLAY_NAMES } from '../../../../shared/types/chips';
import { formatBytes, formatSpeed } from '../../../../shared/format';

/** What a tile says in large type, with an icon, so the state reads from across a room (never colour alone). */
const PHASE_LOOK: Record<ClassroomPhase, { icon: string; text: string; tone: 'busy' | 'ok' | 'bad' | 'warn' | 'quiet' }> = {
  detecting: { icon: '…', text: 'Identifying', tone: 'busy' },
  skipped: { icon: '⊘', text: 'Skipped', tone: 'quiet' },
  ready: { icon: '▶', text: 'Ready', tone: 'quiet' },
  queued: { icon: '⧗', text: 'Waiting', tone: 'busy' },
  writing: { icon: '↻', text: 'Writing', tone: 'busy' },
  uploading: { icon: '↻', text: 'Copying files', tone: 'busy' },
  done: { icon: '✓', text: 'Done', tone: 'ok' },
  failed: { icon: '✕', text: 'Failed', tone: 'bad' },
  cancelled: { icon: '■', text: 'Cancelled', tone: 'quiet' },
  unplugged: { icon: '⚠', text: 'Unplugged', tone: 'warn' },
};

export function StationTile({ station, onRetry, onCancel, disabled }: { station: ClassroomStation; onRetry(): void; onCancel(): void; disabled: boolean }) {
  const look = PHASE_LOOK[station.phase];
  const active = station.phase === 'detecting' || station.phase === 'queued' || station.phase === 'writing' || station.phase === 'uploading';
  const showBar = station.phase === 'writing' || station.phase === 'uploading' || station.phase === 'done';
  const fraction = station.total > 0 ? Math.min(1, station.done / station.total) : 0;
  const percent = Math.round(fraction * 100);
  const retryLabel = station.phase === 'ready' ? 'Start' : station.phase === 'done' ? 'Write again' : 'Retry';
  // Only the buttons that can do something now; the row keeps its height so tiles never jump.
  const canRetry = station.phase === 'ready' || station.phase === 'failed' || station.phase === 'cancelled' || station.phase === 'done' || (station.phase === 'unplugged' && station.attached);
  const canCancel = active || station.phase === 'ready';
  const board = station.board;
  const name = board ? `${CHIP_DISPLAY_NAMES[board.chip]} ${board.mac}` : station.portLabel;
  return (
    <li className={`station-tile tone-${look.tone}`} aria-label={`Board on ${station.port}`}>
      <div className="station-name" title={station.portLabel}>
        {station.portLabel}
      </div>
      <div className="station-status" role="status">
        <span className="station-icon" aria-hidden="true">
          {look.icon}
        </span>
        <span className="station-state">{look.text}</span>
      </div>
      <dl className="station-facts">
        <dt>Chip</dt>
        <dd>
          {board ? CHIP_DISPLAY_NAMES[board.chip] : '—'}
          {board?.flashBytes ? ` · ${formatBytes(board.flashBytes).replace('.0 ', ' ')}` : ''}
        </dd>
        <dt>MAC</dt>
        <dd className="mono">{board?.mac ?? '—'}</dd>
        <dt>Port</dt>
        <dd className="mono station-port" title={station.port}>
          {station.port}
          {!station.attached && station.phase !== 'unplugged' ? ' (unplugged)' : ''}
        </dd>
      </dl>
      <div className={showBar ? 'station-bar' : 'station-bar hidden'} aria-hidden={!showBar}>
        <div className="progress" role="progressbar" aria-label={`Progress of ${name}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
          <span style={{ width: `${fraction * 100}%` }} />
        </div>
        <div className="station-numbers small-print">
          {station.phase === 'done' && station.bytesSent !== null ? (
            <DoneLine text={doneLine(station)} />
          ) : (
            <>
              <strong>{percent}%</strong>
              <span className="muted">{station.bytesPerSecond > 0 ? formatSpeed(station.bytesPerSecond) : '\u00a0'}</span>
            </>
          )}
        </div>
      </div>
      <p className="station-message">{station.message}</p>
      <div className="station-actions">
        {canRetry && (
          <button type="button" className={station.phase === 'done' ? 'button small secondary' : 'button small'} disabled={disabled} onClick={onRetry} aria-label={`${retryLabel} ${station.port}`}>
            {retryLabel}
          </button>
        )}
        {canCancel && (
          <button type="button" className="button small secondary" disabled={disabled} onClick={onCancel} aria-label={`Cancel ${station.port}`}>
            Cancel
          </button>
        )}
      </div>
    </li>
  );
}

/** Cut with an ellipsis in a narrow tile; the title holds the whole line. */
function DoneLine({ text }: { text: string }) {
  return (
    <span className="muted station-done-line" title={text}>
      {text}
    </span>
  );
}

function doneLine(station: ClassroomStation): string {
  const sent = `${formatBytes(station.bytesSent ?? 0)} sent`;
  return station.unchangedBytes ? `${sent} · ${formatBytes(station.unchangedBytes)} up to date` : sent;
}
