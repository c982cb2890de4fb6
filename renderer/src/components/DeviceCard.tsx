import type { DeviceSession } from '../../../shared/types/device';
import { formatBytes } from '../../../shared/format';

/** What Kiln learned about a connected board, in the words a datasheet would use. */
export function DeviceCard({ session, onDisconnect, stale = false, disconnectDisabled = false }: { session: DeviceSession; onDisconnect: () => void; stale?: boolean; disconnectDisabled?: boolean }) {
  const { info } = session;
  const flash = info.flash;
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
        <dt>Chip</dt>
        <dd>{info.description}</dd>
        <dt>Features</dt>
        <dd>{info.features.length > 0 ? info.features.join(', ') : '–'}</dd>
        <dt>Crystal</dt>
        <dd>{info.crystalMHz} MHz</dd>
        <dt>MAC address</dt>
        <dd className="mono">{info.mac}</dd>
        <dt>Flash</dt>
        <dd>
          {flash
            ? `${flash.sizeBytes !== null ? formatBytes(flash.sizeBytes) : 'unknown size'} · ${flash.vendor}${flash.model ? ` ${flash.model}` : ''} (id ${hex(flash.manufacturerId, 2)}/${hex(flash.deviceId, 4)})`
            : 'No flash chip answered'}
        </dd>
        <dt>On the board now</dt>
        <dd>{describeContents(session)}</dd>
        <dt>Port</dt>
        <dd className="mono">{session.port}</dd>
        <dt>Loader</dt>
        <dd>{info.usingStub ? `Fast flasher at ${info.baudRate.toLocaleString('en-US')} baud` : `ROM loader only, ${info.baudRate.toLocaleString('en-US')} baud`}</dd>
      </dl>
      {session.warnings.length > 0 && (
        <ul className="warnings">
          {session.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      )}
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

function hex(value: number, digits: number): string {
  return `0x${value.toString(16).toUpperCase().padStart(digits, '0')}`;
}
