import { useEffect, useState } from 'react';
import { formatBytes, formatHex32, parseSize } from '../../../../shared/format';
import type { BackupEntry } from '../../../../shared/types/backups';
import { CHIP_DISPLAY_NAMES, CHIP_FAMILIES, type ChipFamily } from '../../../../shared/types/chips';
import { useBackupsStore } from '../../stores/backups-store';
import { formatDate } from './format-date';
import { ConfirmDialog } from './Modal';
import { RestoreDialog } from './RestoreDialog';

/** The backup library: search, rename, delete, export, import, and restore onto a connected board. */
export function BackupsScreen() {
  const { entries, loaded, query, listError, refresh, setQuery } = useBackupsStore();
  const [restoring, setRestoring] = useState<BackupEntry | null>(null);
  const [deleting, setDeleting] = useState<BackupEntry | null>(null);
  const remove = useBackupsStore((state) => state.remove);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => void refresh(), [refresh]);
  return (
    <div className="screen">
      <header className="screen-header">
        <h1>Backups</h1>
        <p className="muted">Verified copies of your boards’ flash. Restore one to put a board back exactly as it was.</p>
      </header>
      <section className="card">
        <label className="search">
          <span className="visually-hidden">Search backups</span>
          <input type="search" value={query} placeholder="Search by name, MAC address or chip" onChange={(event) => void setQuery(event.target.value)} />
        </label>
        {notice && (
          <p className="ok-text" role="status">
            {notice}
          </p>
        )}
        {listError && (
          <p className="field-error" role="alert">
            {listError}
          </p>
        )}
        {!loaded ? (
          <p className="muted">Loading backups…</p>
        ) : entries.length === 0 ? (
          <p className="muted empty-state">{query.trim() ? `No backups match “${query.trim()}”.` : 'No backups yet. Connect a board and choose “Back up now” on the Device screen.'}</p>
        ) : (
          <ul className="backup-list" aria-label="Backups">
            {entries.map((entry) => (
              <BackupRow key={entry.id} entry={entry} onRestore={() => setRestoring(entry)} onDelete={() => setDeleting(entry)} onNotice={setNotice} />
            ))}
          </ul>
        )}
      </section>
      <ImportCard onNotice={setNotice} />
      {restoring && <RestoreDialog entry={restoring} onClose={() => setRestoring(null)} />}
      {deleting && (
        <ConfirmDialog
          title={`Delete “${deleting.label}”?`}
          confirmLabel="Delete backup"
          onClose={() => setDeleting(null)}
          onConfirm={() => {
            const entry = deleting;
            setDeleting(null);
            void remove(entry.id).then((outcome) => setNotice(outcome.ok ? `Deleted “${entry.label}”.` : outcome.error));
          }}
        >
          <p>
            The {formatBytes(deleting.region.size)} image of {CHIP_DISPLAY_NAMES[deleting.chip]} {deleting.mac ?? ''} from {formatDate(deleting.createdAt)} is removed from
            the library. This cannot be undone; export it first to keep a copy.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function BackupRow({ entry, onRestore, onDelete, onNotice }: { entry: BackupEntry; onRestore: () => void; onDelete: () => void; onNotice: (text: string) => void }) {
  const { rename, exportTo } = useBackupsStore();
  const [mode, setMode] = useState<'view' | 'rename' | 'export'>('view');
  const [label, setLabel] = useState(entry.label);
  const [folder, setFolder] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [working, setWorking] = useState(false);
  const headingId = `backup-${entry.id}`;

  async function saveName() {
    setWorking(true);
    const outcome = await rename(entry.id, label);
    setWorking(false);
    if (outcome.ok) {
      setMode('view');
      setError(null);
    } else setError(outcome.error);
  }

  async function doExport() {
    setWorking(true);
    const outcome = await exportTo(entry.id, folder.trim());
    setWorking(false);
    if (outcome.ok) {
      setMode('view');
      setError(null);
      onNotice(`Exported “${entry.label}” to ${outcome.value.imagePath}.`);
    } else setError(outcome.error);
  }

  return (
    <li className="backup-row" aria-labelledby={headingId}>
      <div className="backup-main">
        {mode === 'rename' ? (
          <form
            className="inline-form"
            onSubmit={(event) => {
              event.preventDefault();
              void saveName();
            }}
          >
            <label className="visually-hidden" htmlFor={`${headingId}-name`}>
              New name
            </label>
            <input id={`${headingId}-name`} type="text" value={label} maxLength={120} autoFocus onChange={(event) => setLabel(event.target.value)} />
            <button type="submit" className="button" disabled={working || !label.trim()}>
              Save
            </button>
            <button type="button" className="button secondary" onClick={() => (setMode('view'), setLabel(entry.label), setError(null))}>
              Cancel
            </button>
          </form>
        ) : (
          <h3 id={headingId} className="backup-label">
            {entry.label}
          </h3>
        )}
        <p className="backup-meta muted">
          {CHIP_DISPLAY_NAMES[entry.chip]} · <span className="mono">{entry.mac ?? 'MAC unknown'}</span> · {formatBytes(entry.region.size)} at {formatHex32(entry.region.offset)} ·{' '}
          {formatDate(entry.createdAt)}
          {entry.origin === 'imported' ? ' · imported' : ''}
        </p>
        <p className="backup-meta">
          <span className={`firmware-kind firmware-${entry.firmware.kind}`}>{entry.firmware.summary}</span>
        </p>
        <p className="backup-meta mono muted small-print">MD5 {entry.md5}</p>
        {mode === 'export' && (
          <form
            className="inline-form"
            onSubmit={(event) => {
              event.preventDefault();
              void doExport();
            }}
          >
            <label htmlFor={`${headingId}-folder`}>Folder</label>
            <input id={`${headingId}-folder`} className="mono" type="text" value={folder} placeholder="/home/you/Documents" autoFocus onChange={(event) => setFolder(event.target.value)} />
            <button type="submit" className="button" disabled={working || !folder.trim()}>
              Export
            </button>
            <button type="button" className="button secondary" onClick={() => (setMode('view'), setError(null))}>
              Cancel
            </button>
          </form>
        )}
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </div>
      {mode === 'view' && (
        <div className="backup-actions">
          <button type="button" className="button" onClick={onRestore}>
            Restore…
          </button>
          <button type="button" className="button secondary" onClick={() => setMode('export')}>
            Export…
          </button>
          <button type="button" className="button secondary" onClick={() => setMode('rename')}>
            Rename
          </button>
          <button type="button" className="button secondary danger-text" onClick={onDelete}>
            Delete…
          </button>
        </div>
      )}
    </li>
  );
}

function ImportCard({ onNotice }: { onNotice: (text: string) => void }) {
  const importImage = useBackupsStore((state) => state.importImage);
  const [path, setPath] = useState('');
  const [label, setLabel] = useState('');
  const [chip, setChip] = useState<ChipFamily>('esp32');
  const [mac, setMac] = useState('');
  const [offsetText, setOffsetText] = useState('0x0');
  const [error, setError] = useState<string | null>(null);
  const [working, setWorking] = useState(false);

  async function submit() {
    const offset = parseSize(offsetText);
    if (offset === null) {
      setError('The offset must be a number, such as 0x0 or 0x1000.');
      return;
    }
    setWorking(true);
    const outcome = await importImage({ path: path.trim(), label: label.trim(), chip, offset, ...(mac.trim() ? { mac: mac.trim() } : {}) });
    setWorking(false);
    if (outcome.ok) {
      setError(null);
      setPath('');
      setLabel('');
      setMac('');
      onNotice(`Imported “${outcome.value.label}” (${formatBytes(outcome.value.region.size)}).`);
    } else setError(outcome.error);
  }

  return (
    <details className="card">
      <summary>
        <strong>Import an image file</strong> <span className="muted">(a flash dump made with esptool or another tool)</span>
      </summary>
      <form
        className="form-grid import-form"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <label htmlFor="import-path">File</label>
        <input id="import-path" className="mono" type="text" value={path} placeholder="/home/you/backup.bin" onChange={(event) => setPath(event.target.value)} required />
        <label htmlFor="import-label">Name</label>
        <input id="import-label" type="text" value={label} maxLength={120} placeholder="Factory firmware of the blue board" onChange={(event) => setLabel(event.target.value)} required />
        <label htmlFor="import-chip">Chip</label>
        <select id="import-chip" value={chip} onChange={(event) => setChip(event.target.value as ChipFamily)}>
          {CHIP_FAMILIES.map((family) => (
            <option key={family} value={family}>
              {CHIP_DISPLAY_NAMES[family]}
            </option>
          ))}
        </select>
        <label htmlFor="import-mac">MAC address (optional)</label>
        <input id="import-mac" className="mono" type="text" value={mac} placeholder="aa:bb:cc:dd:ee:ff" onChange={(event) => setMac(event.target.value)} />
        <label htmlFor="import-offset">Flash offset</label>
        <input id="import-offset" className="mono" type="text" value={offsetText} onChange={(event) => setOffsetText(event.target.value)} />
        <span />
        <div>
          <button type="submit" className="button" disabled={working || !path.trim() || !label.trim()}>
            {working ? 'Importing…' : 'Import'}
          </button>
        </div>
      </form>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </details>
  );
}
