import { useId, useState, type FormEvent } from 'react';
import type { ClassroomFirmwareRef, ClassroomRecipe, ClassroomStationOptions } from '../../../../shared/types/classroom';
import { FLASH_BAUD_RATES, type FlashBaud } from '../../../../shared/types/settings';
import { formatBytes } from '../../../../shared/format';
import { useAppStore } from '../../stores/app-store';
import { useClassroomStore } from '../../stores/classroom-store';

const FILE_CHOICE = 'file';

/** The recipe, chosen once: which firmware, how to write it, what to put on each board afterwards. */
export function RecipeForm() {
  const { cached, local, working, start } = useClassroomStore();
  const settings = useAppStore((state) => state.settings);
  const id = useId();
  const [firmware, setFirmware] = useState('');
  const [filePath, setFilePath] = useState('');
  const [baud, setBaud] = useState<FlashBaud>(settings?.flashBaud ?? 'auto');
  const [flashMode, setFlashMode] = useState<ClassroomRecipe['flashMode']>('keep');
  const [flashSize, setFlashSize] = useState<ClassroomRecipe['flashSize']>('detect');
  const [eraseFirst, setEraseFirst] = useState(false);
  const [files, setFiles] = useState('');
  const [ssid, setSsid] = useState('');
  const [password, setPassword] = useState('');
  const [autoStart, setAutoStart] = useState(true);
  const [concurrency, setConcurrency] = useState(8);

  const choice = firmware || (cached[0] ? `catalog:${cached[0].entryId}` : local[0] ? `local:${local[0].id}` : FILE_CHOICE);
  const ref: ClassroomFirmwareRef | null =
    choice === FILE_CHOICE ? (filePath.trim() ? { kind: 'file', path: filePath.trim() } : null) : choice.startsWith('catalog:') ? { kind: 'catalog', entryId: choice.slice(8) } : { kind: 'local', id: choice.slice(6) };
  const missing = ref === null ? 'Choose the firmware first: give the path of a .bin file, or download one on the Flash screen.' : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!ref) return;
    const recipe: ClassroomRecipe = {
      firmware: ref,
      baud,
      flashMode,
      flashSize,
      eraseFirst,
      files: files
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
        .map((path) => ({ path })),
      wifi: ssid.trim() ? { ssid: ssid.trim(), password } : null,
    };
    const options: ClassroomStationOptions = { autoStart, concurrency };
    void start(recipe, options);
  }

  return (
    <form className="card classroom-recipe" aria-labelledby={`${id}-title`} onSubmit={submit}>
      <h2 id={`${id}-title`}>Recipe</h2>
      <p className="muted">Chosen once for the whole tray. Then plug boards in: each one that matches is written by itself.</p>
      <div className="form-grid">
        <label htmlFor={`${id}-firmware`}>Firmware</label>
        <select id={`${id}-firmware`} value={choice} onChange={(event) => setFirmware(event.target.value)}>
          {cached.map((entry) => (
            <option key={entry.entryId} value={`catalog:${entry.entryId}`}>
              {entry.fileName} ({formatBytes(entry.size)}, downloaded)
            </option>
          ))}
          {local.map((image) => (
            <option key={image.id} value={`local:${image.id}`}>
              {image.name} ({formatBytes(image.size)}, local file)
            </option>
          ))}
          <option value={FILE_CHOICE}>A file on this computer…</option>
        </select>
        {choice === FILE_CHOICE && (
          <>
            <label htmlFor={`${id}-path`}>Firmware file</label>
            <input id={`${id}-path`} className="mono" type="text" value={filePath} placeholder="/home/you/firmware/ESP32_GENERIC.bin" onChange={(event) => setFilePath(event.target.value)} />
          </>
        )}
        <label htmlFor={`${id}-baud`}>Writing speed</label>
        <select id={`${id}-baud`} value={String(baud)} onChange={(event) => setBaud(event.target.value === 'auto' ? 'auto' : Number(event.target.value))}>
          <option value="auto">Automatic (fastest that passes a check)</option>
          {FLASH_BAUD_RATES.map((rate) => (
            <option key={rate} value={rate}>
              {rate.toLocaleString('en-US')} baud
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-mode`}>Flash mode</label>
        <select id={`${id}-mode`} value={flashMode} onChange={(event) => setFlashMode(event.target.value as ClassroomRecipe['flashMode'])}>
          <option value="keep">As in the image</option>
          <option value="dio">DIO</option>
          <option value="dout">DOUT (some ESP-01 and clones)</option>
          <option value="qio">QIO</option>
          <option value="qout">QOUT</option>
        </select>
        <label htmlFor={`${id}-size`}>Flash size</label>
        <select id={`${id}-size`} value={flashSize} onChange={(event) => setFlashSize(event.target.value as ClassroomRecipe['flashSize'])}>
          <option value="detect">Each board's own (detected)</option>
          <option value="keep">As in the image</option>
        </select>
        <span>Erase</span>
        <label className="toggle">
          <input type="checkbox" checked={eraseFirst} onChange={(event) => setEraseFirst(event.target.checked)} />
          <span>
            Erase the whole flash first <span className="muted block small-print">Removes old files too; takes several seconds per board.</span>
          </span>
        </label>
        <label htmlFor={`${id}-files`}>Files for each board</label>
        <textarea id={`${id}-files`} className="mono" rows={2} value={files} placeholder={'/home/you/class/main.py\n/home/you/class/boot.py'} onChange={(event) => setFiles(event.target.value)} />
        <label htmlFor={`${id}-ssid`}>Wi-Fi network</label>
        <input id={`${id}-ssid`} type="text" value={ssid} placeholder="Optional: the classroom's network" onChange={(event) => setSsid(event.target.value)} />
        <label htmlFor={`${id}-password`}>Wi-Fi password</label>
        <input id={`${id}-password`} type="password" value={password} disabled={!ssid.trim()} onChange={(event) => setPassword(event.target.value)} />
      </div>
      <p className="muted small-print">
        One path per line; each file goes to the board's root. With a Wi-Fi network, Kiln writes <span className="mono">/wifi.json</span> and, unless your files include one, a{' '}
        <span className="mono">boot.py</span> that joins it.
      </p>
      <h3 className="classroom-subtitle">This station</h3>
      <div className="form-grid">
        <span>Auto-start</span>
        <label className="toggle">
          <input type="checkbox" checked={autoStart} onChange={(event) => setAutoStart(event.target.checked)} />
          <span>Start each matching board as soon as it is plugged in</span>
        </label>
        <label htmlFor={`${id}-cap`}>Boards at once</label>
        <input id={`${id}-cap`} type="number" min={1} max={32} value={concurrency} onChange={(event) => setConcurrency(Math.min(32, Math.max(1, Number(event.target.value) || 1)))} />
      </div>
      <div className="classroom-actions">
        <button type="submit" className="button" disabled={working || ref === null}>
          Start the station
        </button>
        <span className="muted" aria-live="polite">
          {missing ?? '\u00a0'}
        </span>
      </div>
    </form>
  );
}
