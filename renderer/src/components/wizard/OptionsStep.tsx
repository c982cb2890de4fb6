import { FLASH_BAUD_RATES } from '../../../../shared/types/settings';
import { formatBytes, formatHex32 } from '../../../../shared/format';
import type { DeviceSession } from '../../../../shared/types/device';
import { useFlashStore, type FlashMode } from '../../stores/flash-store';
import { useAppStore } from '../../stores/app-store';

const MODES: { value: FlashMode; label: string }[] = [
  { value: 'keep', label: 'Keep the image’s setting (recommended)' },
  { value: 'qio', label: 'QIO – fastest, needs all four data lines' },
  { value: 'qout', label: 'QOUT' },
  { value: 'dio', label: 'DIO – for boards that don’t start after flashing' },
  { value: 'dout', label: 'DOUT – slowest, works with almost any flash (ESP-01, ESP8285)' },
];

/** Step 4, collapsed: settings most people never change, with the defaults that work. */
export function OptionsStep({ session, writeOffset, disabled }: { session: DeviceSession; writeOffset: number | null; disabled: boolean }) {
  const { options, setOptions } = useFlashStore();
  const baud = useAppStore((state) => state.settings?.flashBaud ?? 'auto');
  const update = useAppStore((state) => state.updateSettings);
  const flash = session.info.flash?.sizeBytes ?? null;
  return (
    <details className="card options">
      <summary>
        <h2>4. Options</h2>
        <span className="muted small-text">
          {options.eraseAll ? 'Erase everything first' : 'Keep other data'} · {options.flashMode === 'keep' ? 'flash mode as in the image' : options.flashMode.toUpperCase()} · {baud === 'auto' ? 'fastest safe speed' : `${baud.toLocaleString('en-US')} baud`}
          {writeOffset !== null ? ` · written at ${formatHex32(writeOffset)}` : ''}
        </span>
      </summary>
      <fieldset className="options-grid" disabled={disabled}>
        <label className="toggle">
          <input type="checkbox" checked={options.eraseAll} onChange={(event) => setOptions({ eraseAll: event.target.checked }, true)} />
          <span>
            <strong>Erase everything first</strong>
            <span className="muted block">Recommended for a first MicroPython install: old files and settings can stop it from starting. It also deletes files you saved on the board.</span>
          </span>
        </label>
        <label className="field">
          <span>
            <strong>Flash size</strong>
            <span className="muted block">{flash !== null ? `Detected: ${formatBytes(flash)}.` : 'Kiln could not detect it.'} Writing the image’s own size instead can leave MicroPython without room for files.</span>
          </span>
          <select value={options.flashSize} onChange={(event) => setOptions({ flashSize: event.target.value as 'detect' | 'keep' })}>
            <option value="detect">Detected size{flash !== null ? ` (${formatBytes(flash)})` : ''}</option>
            <option value="keep">As in the image</option>
          </select>
        </label>
        {options.flashSize === 'keep' && <p className="warnings">The image header’s flash size will be kept even if it differs from this board’s.</p>}
        <label className="field">
          <span>
            <strong>Flash mode</strong>
            <span className="muted block">If the board doesn’t start after flashing, try DIO, then DOUT.</span>
          </span>
          <select value={options.flashMode} onChange={(event) => setOptions({ flashMode: event.target.value as FlashMode })}>
            {MODES.map((mode) => (
              <option key={mode.value} value={mode.value}>
                {mode.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>
            <strong>Writing speed</strong>
            <span className="muted block">Takes effect at the next connect. Lower it if writes fail on a long or cheap cable.</span>
          </span>
          <select value={String(baud)} onChange={(event) => void update({ flashBaud: event.target.value === 'auto' ? 'auto' : Number(event.target.value) })}>
            <option value="auto">Automatic: the fastest speed that passes a check (recommended)</option>
            {FLASH_BAUD_RATES.map((rate) => (
              <option key={rate} value={rate}>
                {rate.toLocaleString('en-US')} baud
              </option>
            ))}
          </select>
        </label>
        <p className="muted">
          Write offset: <span className="mono">{writeOffset !== null ? formatHex32(writeOffset) : '–'}</span> (where the chip’s ROM looks for the bootloader).
        </p>
      </fieldset>
    </details>
  );
}
