import { useEffect, useMemo, useRef, useState } from 'react';
import type { DeviceSession } from '../../../../shared/types/device';
import { formatBytes } from '../../../../shared/format';
import { useFirmwareStore } from '../../stores/firmware-store';
import { api } from '../../api';
import { buildsFor, whyThisBuild } from './firmware-choice';

/** Step 3: the MicroPython builds for this board (newest stable preselected), or a file of one's own. */
export function FirmwareStep({ session, disabled }: { session: DeviceSession; disabled: boolean }) {
  const { catalog, cached, local, chosen, fit, adding, error, refreshMessage, choose, setFit, addFile } = useFirmwareStore();
  const builds = useMemo(() => (catalog ? buildsFor(catalog.entries, session.info) : []), [catalog, session.info]);
  const best = builds[0];
  const fileInput = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [showAll, setShowAll] = useState(false);
  // The versions of the build made for this board's flash; smaller-flash builds on request.
  const shown = showAll ? builds : builds.filter((b) => b.boardId === best?.boardId && b.variant === best?.variant);

  // Preselect the best build for this board once the list is there.
  useEffect(() => {
    // Also after a refresh replaced the list and the chosen build is no longer in it.
    const stale = chosen?.kind === 'catalog' && !builds.some((b) => b.id === chosen.entryId);
    if ((!chosen || stale) && best) choose({ kind: 'catalog', entryId: best.id });
  }, [chosen, best, builds, choose]);

  // A local file is checked against this board (the same check the write and the CLI run).
  useEffect(() => {
    if (chosen?.kind !== 'local') return;
    let live = true;
    const device = { chip: session.info.chip, flashSizeBytes: session.info.flash?.sizeBytes ?? null };
    api.invoke('firmware.checkFit', { image: chosen, device }).then(
      (result) => live && setFit(result),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [chosen, session.info, setFit]);

  const chosenLocal = chosen?.kind === 'local' ? local.find((i) => i.id === chosen.id) : undefined;
  const why = best ? whyThisBuild(best, catalog?.entries ?? [], session.info) : null;
  const onFiles = (files: FileList | null) => {
    const file = files?.[0];
    if (file) void addFile(file);
  };
  return (
    <section className="card" aria-labelledby="firmware-heading">
      <div className="card-header">
        <h2 id="firmware-heading">3. Firmware</h2>
        <span className="muted small-text">{catalog ? `List from ${catalog.source === 'network' ? 'micropython.org' : catalog.source === 'last-good' ? 'the last refresh' : 'Kiln’s built-in list'}` : 'Loading…'}</span>
      </div>
      {refreshMessage && <p className="muted small-text">{refreshMessage} Downloaded builds still work offline.</p>}
      {why && <p className="note">{why}</p>}
      <fieldset className="choice-list" disabled={disabled}>
        <legend className="visually-hidden">MicroPython build</legend>
        {shown.map((entry) => {
          const isCached = cached.some((c) => c.entryId === entry.id);
          return (
            <label key={entry.id} className={chosen?.kind === 'catalog' && chosen.entryId === entry.id ? 'port selected' : 'port'}>
              <input type="radio" name="firmware" checked={chosen?.kind === 'catalog' && chosen.entryId === entry.id} onChange={() => choose({ kind: 'catalog', entryId: entry.id })} />
              <span className="port-label">
                MicroPython v{entry.version}
                {entry === best && <span className="badge">Recommended</span>}
                {isCached && <span className="badge badge-quiet">Downloaded</span>}
              </span>
              <span className="port-meta">
                {entry.title} · {entry.date} · {entry.fileName}
              </span>
            </label>
          );
        })}
        {builds.length === 0 && catalog && <p className="muted">No MicroPython build in the list fits this board. Use a file of your own below.</p>}
        {chosenLocal && (
          <label className="port selected">
            <input type="radio" name="firmware" checked readOnly />
            <span className="port-label">{chosenLocal.name}</span>
            <span className="port-meta">
              Your file · {formatBytes(chosenLocal.size)} · {chosenLocal.summary.description}
            </span>
          </label>
        )}
      </fieldset>
      {builds.length > shown.length || showAll ? (
        <label className="toggle small">
          <input type="checkbox" checked={showAll} onChange={(event) => setShowAll(event.target.checked)} />
          <span className="muted">Also show builds for smaller flash{builds.length > shown.length ? ` (${builds.length - shown.length} more)` : ''}</span>
        </label>
      ) : null}
      <div
        className={dragging ? 'drop-zone dragging' : 'drop-zone'}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          if (!disabled) onFiles(event.dataTransfer.files);
        }}
      >
        <span>{adding ? `Adding ${adding.name}… ${Math.round((adding.sent / adding.size) * 100)}%` : 'Have a .bin of your own? Drop it here, or'}</span>
        <button type="button" className="button secondary" disabled={disabled || adding !== null} onClick={() => fileInput.current?.click()}>
          Use a local file…
        </button>
        <input ref={fileInput} type="file" accept=".bin,application/octet-stream" className="visually-hidden" aria-label="Firmware file" tabIndex={-1} onChange={(event) => {
          onFiles(event.target.files);
          event.target.value = '';
        }} />
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {chosen?.kind === 'local' && fit && !fit.ok && (
        <div className="field-error" role="alert">
          <p>
            <strong>Kiln will not write this file to this board:</strong>
          </p>
          <ul>
            {fit.errors.map((issue) => (
              <li key={issue.code}>{issue.message}</li>
            ))}
          </ul>
        </div>
      )}
      {chosen?.kind === 'local' && fit && fit.warnings.length > 0 && (
        <ul className="warnings">
          {fit.warnings.map((issue) => (
            <li key={issue.code}>{issue.message}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
