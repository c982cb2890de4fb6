import { FLASH_BAUD_RATES } from '../../../shared/types/settings';
import { useAppStore } from '../stores/app-store';

/** Settings that persist between runs, and where Kiln keeps its files. */
export function SettingsScreen() {
  const settings = useAppStore((state) => state.settings);
  const info = useAppStore((state) => state.info);
  const update = useAppStore((state) => state.updateSettings);
  if (!settings) return <p className="muted">Loading settings…</p>;
  return (
    <div className="screen">
      <header className="screen-header">
        <h1>Settings</h1>
      </header>
      <section className="card">
        <label className="toggle">
          <input type="checkbox" checked={settings.demoBoard} onChange={(event) => void update({ demoBoard: event.target.checked })} />
          <span>
            <strong>Demo board</strong>
            <span className="muted block">Adds virtual ESP32 and ESP8266 boards to the port list, so you can try everything without hardware.</span>
          </span>
        </label>
      </section>
      <section className="card">
        <label className="field">
          <span>
            <strong>Writing speed</strong>
            <span className="muted block">
              Baud rate after the flasher starts. Automatic tries the fastest your USB adapter allows, keeps the first that passes a check, and slows down by
              itself if data arrives damaged. Pick a fixed rate if writes fail on a long or cheap cable.
            </span>
          </span>
          <select value={String(settings.flashBaud)} onChange={(event) => void update({ flashBaud: event.target.value === 'auto' ? 'auto' : Number(event.target.value) })}>
            <option value="auto">Automatic (recommended)</option>
            {FLASH_BAUD_RATES.map((baud) => (
              <option key={baud} value={baud}>
                {baud.toLocaleString('en-US')} baud
              </option>
            ))}
          </select>
        </label>
      </section>
      {info && (
        <section className="card">
          <h2>Where Kiln keeps its files</h2>
          <p className="muted">Firmware cache, backups and settings live in:</p>
          <code className="path">{info.dataDir}</code>
        </section>
      )}
    </div>
  );
}
