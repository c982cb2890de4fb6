import type { DeviceSession } from '../../../shared/types/device';
import { describeBaudNote } from '../../../shared/format';
import { BoardIdentityFacts, loaderLine } from './BoardFacts';
import { WarningList } from './WarningList';

/** What Kiln learned about a connected board, in the words a datasheet would use. */
export function DeviceCard({ session, onDisconnect, stale = false, disconnectDisabled = false }: { session: DeviceSession; onDisconnect: () => void; stale?: boolean; disconnectDisabled?: boolean }) {
  const { info } = session;
  return (
    <section className={stale ? 'card stale' : 'card'} aria-labelledby={`device-${session.id}`}>
      <div className="card-header">
        <h2 id={`device-${session.id}`}>2. Your board</h2>
        <button type="button" className="button secondary" onClick={onDisconnect} disabled={session.status === 'busy' || disconnectDisabled}>
          Disconnect
        </button>
      </div>
      {stale && (
        <p className="field-error" role="alert">
          Kiln’s background process is not reachable, so this may be out of date. Actions are off until it is back.
        </p>
      )}
      {session.status === 'lost' && (
        <p className="field-error" role="alert">
          The connection was lost. Check the USB cable, then connect again.
        </p>
      )}
      <dl className="facts">
        <BoardIdentityFacts info={info} />
        <dt>On the board now</dt>
        <dd>{describeContents(session)}</dd>
        <dt>Port</dt>
        <dd className="mono">{session.port}</dd>
        <dt>Loader</dt>
        <dd>
          {loaderLine(info)}
          {session.baudNotes.length > 0 && (
            <span className="muted block" title={session.baudNotes.join('\n')}>
              {describeBaudNote(session.baudNotes[session.baudNotes.length - 1]!)}
            </span>
          )}
        </dd>
      </dl>
      <WarningList warnings={session.warnings} />
    </section>
  );
}

function describeContents(session: DeviceSession): string {
  const contents = session.contents;
  if (!contents) return 'Not checked';
  if (contents.kind === 'empty') return 'Nothing: the flash is empty';
  if (contents.kind === 'micropython') return `MicroPython ${contents.version}${contents.date ? ` (${contents.date})` : ''}`;
  return `Unknown firmware. ${contents.detail}`;
}
