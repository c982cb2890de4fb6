import { useEffect } from 'react';
import { useDeviceStore } from '../stores/device-store';
import { useJobsStore } from '../stores/jobs-store';
import { usePortsStore } from '../stores/ports-store';
import { useAppStore } from '../stores/app-store';
import { useFirmwareStore } from '../stores/firmware-store';
import { useFlashStore } from '../stores/flash-store';
import { DeviceCard } from './DeviceCard';
import { PortPicker } from './PortPicker';
import { ProgressBar } from './ProgressBar';
import { FirmwareStep } from './wizard/FirmwareStep';
import { OptionsStep } from './wizard/OptionsStep';
import { FlashStep } from './wizard/FlashStep';

/** The main path: port → board → firmware → options → flash → done. */
export function FlashScreen({ onOpenRepl }: { onOpenRepl?: (sessionId: string) => void }) {
  const selected = usePortsStore((state) => state.selected);
  const { sessions, connecting, errors, connect, disconnect } = useDeviceStore();
  const backendUp = useAppStore((state) => state.connection === 'open');
  const connectJob = useJobsStore((state) =>
    Object.values(state.jobs)
      .filter((job) => job.kind === 'connect' && job.port === connecting && job.status === 'running')
      .at(-1),
  );
  const { catalog, cached, local, chosen, fit, load, refresh, choose } = useFirmwareStore();
  const flashPhase = useFlashStore((state) => state.phase);
  const resetFlash = useFlashStore((state) => state.reset);
  const setOptions = useFlashStore((state) => state.setOptions);
  const eraseTouched = useFlashStore((state) => state.eraseTouched);
  const session = sessions.find((s) => s.port === selected && s.status !== 'lost') ?? sessions.find((s) => s.port === selected);
  const error = selected ? errors[selected] : undefined;

  useEffect(() => {
    if (!session || catalog) return;
    void load().then(() => refresh());
  }, [session, catalog, load, refresh]);
  // A new board: choose again for it, and erase first unless it already runs MicroPython.
  const sessionId = session?.id;
  const contentsKind = session?.contents?.kind;
  useEffect(() => {
    choose(null);
    resetFlash();
    if (!eraseTouched && contentsKind !== undefined) setOptions({ eraseAll: contentsKind !== 'micropython' });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sessionId]);

  const running = flashPhase === 'downloading' || flashPhase === 'writing';
  const entry = chosen?.kind === 'catalog' ? catalog?.entries.find((e) => e.id === chosen.entryId) : undefined;
  const localImage = chosen?.kind === 'local' ? local.find((i) => i.id === chosen.id) : undefined;
  const cachedEntry = entry ? cached.find((c) => c.entryId === entry.id) : undefined;
  const imageBytes = localImage?.size ?? cachedEntry?.size ?? 1024 * 1024;
  const writeOffset = entry?.writeOffset ?? (localImage?.summary.chip ? (localImage.summary.chip === 'esp32' || localImage.summary.chip === 'esp32s2' ? 0x1000 : 0) : null);
  const blocked = !backendUp
    ? 'Kiln’s background process is not reachable; flashing is off until it is back.'
    : !chosen
      ? 'Choose a firmware first.'
      : chosen.kind === 'local' && !fit
        ? 'Checking the file against this board…'
        : chosen.kind === 'local' && fit && !fit.ok
          ? 'This file does not fit this board (see above).'
          : null;

  return (
    <div className="screen">
      <header className="screen-header">
        <h1>Put MicroPython on your board</h1>
        <p className="muted">ESP8266 and ESP32 boards: plug in, pick the port, and Kiln does the rest.</p>
      </header>
      <PortPicker />
      {session ? (
        <DeviceCard session={session} stale={!backendUp} onDisconnect={() => void disconnect(session.id)} disconnectDisabled={running || !backendUp} />
      ) : (
        <section className="card" aria-labelledby="connect-heading">
          <div className="card-header">
            <h2 id="connect-heading">2. Connect</h2>
            <button type="button" className="button" disabled={!selected || connecting !== null || !backendUp} onClick={() => selected && void connect(selected)}>
              {connecting ? 'Connecting…' : 'Connect'}
            </button>
          </div>
          {connecting ? (
            <ProgressBar progress={connectJob?.progress ?? null} label="Connecting to the board" />
          ) : error ? (
            <div className="field-error" role="alert">
              <ConnectFailure message={error} />
              <div className="actions">
                <button type="button" className="button" disabled={!backendUp} onClick={() => selected && void connect(selected)}>
                  Retry
                </button>
                <button type="button" className="button secondary" disabled={!backendUp} onClick={() => selected && void connect(selected, { baud: 115200 })}>
                  Retry at a lower baud (115,200)
                </button>
              </div>
            </div>
          ) : (
            <p className="muted">
              {selected ? 'Kiln resets the board into its download mode, identifies the chip and its flash, and starts a fast flasher.' : 'Choose a port above first.'}
            </p>
          )}
        </section>
      )}
      {session && session.status !== 'lost' && (
        <>
          <FirmwareStep session={session} disabled={running || !backendUp} />
          <OptionsStep session={session} writeOffset={writeOffset ?? null} disabled={running || !backendUp} />
          <FlashStep
            session={session}
            imageBytes={imageBytes}
            needsDownload={chosen?.kind === 'catalog' && !cachedEntry}
            blocked={blocked}
            {...(onOpenRepl ? { onOpenRepl } : {})}
          />
        </>
      )}
    </div>
  );
}

/**
 * The engine's failure text is a sentence, then what to try as " - " items (hold BOOT, strap an
 * ESP-01/ESP-12, another cable); shown as a list. Without items, Kiln's general steps are shown.
 */
function ConnectFailure({ message }: { message: string }) {
  const [summary, ...steps] = message.split(/\s+-\s+(?=[A-Z])/);
  const items =
    steps.length > 0
      ? steps
      : [
          'Most boards: hold the BOOT (GPIO0) button, press and release RESET (EN), then let go of BOOT and press Retry.',
          'Bare ESP-01 / ESP-12 modules: GPIO0 to GND while powering up; GPIO2 and CH_PD/EN high; GPIO15 low on ESP-12.',
          'Still nothing? A long or cheap cable may need a lower speed.',
        ];
  return (
    <>
      <p>{summary}</p>
      <ul className="guidance">
        {items.map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
    </>
  );
}
