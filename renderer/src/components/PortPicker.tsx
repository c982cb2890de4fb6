import { useState } from 'react';
import { usePortsStore } from '../stores/ports-store';
import { useAppStore } from '../stores/app-store';
import { useDeviceStore } from '../stores/device-store';
import { useReplStore } from '../stores/repl-store';
import { isLikelyBoard } from '../../../shared/types/ports';
import { WarningList } from './WarningList';

/**
 * The list of serial ports, with the USB adapter named, as radio buttons (arrow keys move between
 * them). Explains what to do when there are none.
 */
export function PortPicker() {
  const { ports: allPorts, warnings, loaded, selected, error, select, refresh } = usePortsStore();
  const [showAll, setShowAll] = useState(false);
  const ports = showAll ? allPorts : allPorts.filter(isLikelyBoard);
  const hidden = allPorts.length - ports.length;
  const demoOn = useAppStore((state) => state.settings?.demoBoard ?? false);
  const updateSettings = useAppStore((state) => state.updateSettings);
  const deviceSessions = useDeviceStore((state) => state.sessions);
  const terminals = useReplStore((state) => state.sessions);
  /** What a port is being used for, shown beside it: a terminal or a flashing session. */
  const usage = (path: string): string | null =>
    terminals.some((t) => t.port === path) ? 'terminal open' : deviceSessions.some((d) => d.port === path && d.status !== 'lost') ? 'connected' : null;
  return (
    <section className="card" aria-labelledby="ports-heading">
      <div className="card-header">
        <h2 id="ports-heading">1. Choose your board’s port</h2>
        <button type="button" className="button secondary" onClick={() => void refresh()}>
          Refresh
        </button>
      </div>
      {error && <p className="field-error">{error}</p>}
      <WarningList warnings={warnings} label="Port list warnings" />
      {!loaded ? (
        <p className="muted">Looking for serial ports…</p>
      ) : ports.length === 0 ? (
        <div className="empty-state">
          <p>
            <strong>No boards found.</strong> Plug your board in with a USB cable that carries data (some cables only charge).
          </p>
          <p className="muted">
            If it still doesn’t appear, your USB adapter may need a driver (CP210x or CH340). On Linux, allow yourself to use serial ports with{' '}
            <code className="mono">sudo usermod -aG dialout $USER</code>, then log out and in again.{' '}
            {!demoOn && (
              <>
                No board at hand?{' '}
                <button type="button" className="link-button" onClick={() => void updateSettings({ demoBoard: true })}>
                  Turn on the Demo board
                </button>
                .
              </>
            )}
          </p>
        </div>
      ) : (
        <div role="radiogroup" aria-labelledby="ports-heading" className="port-list">
          {ports.map((port) => (
            <label key={port.path} className={port.path === selected ? 'port selected' : 'port'}>
              <input type="radio" name="port" value={port.path} checked={port.path === selected} onChange={() => select(port.path)} />
              <span className="port-label">
                {port.label}
                {usage(port.path) && <span className="badge badge-ready port-usage">{usage(port.path)}</span>}
              </span>
              <span className="port-meta">
                {port.adapter ?? 'Unknown adapter'}
                {port.virtual ? ' · no hardware needed' : port.vendorId ? ` · ${port.vendorId}:${port.productId ?? '????'}` : ''}
              </span>
            </label>
          ))}
        </div>
      )}
      {(hidden > 0 || showAll) && (
        <label className="toggle small">
          <input type="checkbox" checked={showAll} onChange={(event) => setShowAll(event.target.checked)} />
          <span className="muted">
            Show serial ports that are not USB{hidden > 0 ? ` (${hidden} hidden)` : ''}
          </span>
        </label>
      )}
    </section>
  );
}
