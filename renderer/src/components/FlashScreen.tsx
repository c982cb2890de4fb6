import { useDeviceStore } from '../stores/device-store';
import { useJobsStore } from '../stores/jobs-store';
import { usePortsStore } from '../stores/ports-store';
import { DeviceCard } from './DeviceCard';
import { PortPicker } from './PortPicker';
import { ProgressBar } from './ProgressBar';

/** The main path: pick a port, connect and detect the board, then (next) choose firmware and write it. */
export function FlashScreen() {
  const selected = usePortsStore((state) => state.selected);
  const { sessions, connecting, errors, connect, disconnect } = useDeviceStore();
  const connectJob = useJobsStore((state) =>
    Object.values(state.jobs)
      .filter((job) => job.kind === 'connect' && job.port === connecting && job.status === 'running')
      .at(-1),
  );
  const session = sessions.find((s) => s.port === selected);
  const error = selected ? errors[selected] : undefined;
  return (
    <div className="screen">
      <header className="screen-header">
        <h1>Put MicroPython on your board</h1>
        <p className="muted">ESP8266 and ESP32 boards: plug in, pick the port, and Kiln does the rest.</p>
      </header>
      <PortPicker />
      {session ? (
        <DeviceCard session={session} onDisconnect={() => void disconnect(session.id)} />
      ) : (
        <section className="card" aria-labelledby="connect-heading">
          <div className="card-header">
            <h2 id="connect-heading">2. Connect</h2>
            <button type="button" className="button" disabled={!selected || connecting !== null} onClick={() => selected && void connect(selected)}>
              {connecting ? 'Connecting…' : 'Connect'}
            </button>
          </div>
          {connecting ? (
            <ProgressBar progress={connectJob?.progress ?? null} label="Connecting to the board" />
          ) : error ? (
            <div className="field-error" role="alert">
              <p>{error}</p>
            </div>
          ) : (
            <p className="muted">
              {selected ? 'Kiln resets the board into its download mode, identifies the chip and its flash, and starts a fast flasher.' : 'Choose a port above first.'}
            </p>
          )}
        </section>
      )}
    </div>
  );
}
