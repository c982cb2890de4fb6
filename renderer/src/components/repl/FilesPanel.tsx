import { useEffect, useRef, useState, type DragEvent } from 'react';
import { formatBytes } from '../../../../shared/format';
import { api } from '../../api';
import { useJobsStore } from '../../stores/jobs-store';
import type { JobSummary } from '../../../../shared/types/jobs';
import { fromBase64, sessionFor, toBase64, useReplStore } from '../../stores/repl-store';
import { ProgressBar } from '../ProgressBar';

/** Files the browser hands over are read here; bigger ones go through `kiln fs cp`. */
const MAX_UPLOAD_BYTES = 256 * 1024;

const join = (folder: string, name: string) => (folder.endsWith('/') ? `${folder}${name}` : `${folder}/${name}`);
const parentOf = (path: string) => path.slice(0, Math.max(1, path.lastIndexOf('/')));
const editable = (name: string) => /\.(py|txt|json|cfg|ini|csv|md|html|css|js)$/i.test(name);

/** Resolves when a job has ended, from the 'job.updated' events the jobs store collects. */
function finished(jobId: string): Promise<JobSummary> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      const job = useJobsStore.getState().jobs[jobId];
      if (job && job.status !== 'running') {
        resolve(job);
        return true;
      }
      return false;
    };
    if (check()) return;
    const unsubscribe = useJobsStore.subscribe(() => {
      if (check()) unsubscribe();
    });
  });
}

type Pending = { kind: 'delete' | 'rename'; path: string; name: string } | { kind: 'mkdir' } | null;

/** The board's files: list, upload (picker and drop), download, delete, rename, new folder, run, edit. */
export function FilesPanel() {
  const state = useReplStore();
  const session = sessionFor(state);
  const { listing, folder, listingLoading, filesError, refreshFiles, fileAction, openEditor } = state;
  const [pending, setPending] = useState<Pending>(null);
  const [name, setName] = useState('');
  const [dragging, setDragging] = useState(false);
  const [uploadJobs, setUploadJobs] = useState<string[]>([]);
  const input = useRef<HTMLInputElement>(null);
  const jobs = useJobsStore((store) => store.jobs);
  const running = uploadJobs.map((id) => jobs[id]).filter((job) => job && job.status === 'running');
  const connected = session?.state === 'connected';
  const sessionId = session?.id;

  useEffect(() => {
    if (sessionId && connected && !listing) void refreshFiles('/');
  }, [sessionId, connected, listing, refreshFiles]);

  async function upload(files: FileList | File[]) {
    const list = [...files];
    const tooBig = list.find((file) => file.size > MAX_UPLOAD_BYTES);
    if (tooBig) {
      useReplStore.setState({ filesError: `${tooBig.name} is ${formatBytes(tooBig.size)}; the app uploads files up to 256 KB. Use "kiln fs cp" for bigger ones.` });
      return;
    }
    for (const file of list) {
      const data = toBase64(new Uint8Array(await file.arrayBuffer()));
      let failure: string | null = null;
      await fileAction(async (id) => {
        const job = await api.invoke('files.put', { sessionId: id, path: join(folder, file.name), data });
        setUploadJobs((ids) => [...ids, job.id]);
        const done = await finished(job.id);
        setUploadJobs((ids) => ids.filter((other) => other !== job.id));
        if (done.status === 'failed') failure = done.error?.message ?? `Uploading ${file.name} failed.`;
      });
      if (failure) {
        useReplStore.setState({ filesError: failure });
        return;
      }
    }
  }

  async function download(path: string, fileName: string) {
    await fileAction(async (id) => {
      const { data } = await api.invoke('files.get', { sessionId: id, path });
      const url = URL.createObjectURL(new Blob([fromBase64(data) as BlobPart]));
      const link = document.createElement('a');
      link.href = url;
      link.download = fileName;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    }, false);
  }

  async function confirmPending() {
    if (!pending) return;
    let ok = false;
    if (pending.kind === 'delete') ok = await fileAction((id) => api.invoke('files.remove', { sessionId: id, path: pending.path }));
    if (pending.kind === 'rename' && name.trim()) ok = await fileAction((id) => api.invoke('files.rename', { sessionId: id, from: pending.path, to: join(parentOf(pending.path), name.trim()) }));
    if (pending.kind === 'mkdir' && name.trim()) ok = await fileAction((id) => api.invoke('files.mkdir', { sessionId: id, path: join(folder, name.trim()) }));
    if (ok) setPending(null);
  }

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (connected && event.dataTransfer.files.length > 0) void upload(event.dataTransfer.files);
  };

  return (
    <section
      className={dragging ? 'card files-panel dragging' : 'card files-panel'}
      aria-labelledby="files-heading"
      onDragOver={(event) => {
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <div className="card-header">
        <h2 id="files-heading">Files on the board</h2>
        <button type="button" className="button secondary small" disabled={!connected || listingLoading} onClick={() => void refreshFiles()}>
          Refresh
        </button>
      </div>
      <div className="files-toolbar">
        <button type="button" className="button small" disabled={!connected} onClick={() => input.current?.click()}>
          Upload…
        </button>
        <button
          type="button"
          className="button secondary small"
          disabled={!connected}
          onClick={() => {
            setPending({ kind: 'mkdir' });
            setName('');
          }}
        >
          New folder
        </button>
        <button type="button" className="button secondary small" disabled={!connected} onClick={() => void openEditor('/main.py')}>
          Edit main.py
        </button>
        <button type="button" className="button secondary small" disabled={!connected} onClick={() => void openEditor('/boot.py')}>
          Edit boot.py
        </button>
        <input
          ref={input}
          type="file"
          multiple
          hidden
          aria-label="Files to upload"
          data-testid="upload-input"
          onChange={(event) => {
            if (event.target.files) void upload(event.target.files);
            event.target.value = '';
          }}
        />
      </div>
      <div className="files-path mono">
        {folder !== '/' && (
          <button type="button" className="link-button" disabled={!connected} onClick={() => void refreshFiles(parentOf(folder))}>
            ↑ Up
          </button>
        )}{' '}
        {folder}
      </div>
      {pending && (
        <div className="inline-form" role="group" aria-label={pending.kind === 'delete' ? 'Confirm delete' : 'Name'}>
          {pending.kind === 'delete' ? (
            <span>
              Delete <strong>{pending.name}</strong>
              {listing?.entries.find((entry) => entry.path === pending.path)?.kind === 'dir' ? ' and everything in it' : ''}? This cannot be undone.
            </span>
          ) : (
            <input
              autoFocus
              aria-label={pending.kind === 'mkdir' ? 'New folder name' : 'New name'}
              value={name}
              placeholder={pending.kind === 'mkdir' ? 'Folder name' : 'New name'}
              onChange={(event) => setName(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === 'Enter') void confirmPending();
                if (event.key === 'Escape') setPending(null);
              }}
            />
          )}
          <button type="button" className={pending.kind === 'delete' ? 'button danger small' : 'button small'} onClick={() => void confirmPending()}>
            {pending.kind === 'delete' ? 'Delete' : pending.kind === 'mkdir' ? 'Create' : 'Rename'}
          </button>
          <button type="button" className="button secondary small" onClick={() => setPending(null)}>
            Cancel
          </button>
        </div>
      )}
      {running.map((job) => (
        <ProgressBar key={job!.id} progress={job!.progress} label={job!.title} />
      ))}
      {filesError && (
        <p className="field-error" role="alert">
          {filesError}
        </p>
      )}
      {!session ? (
        <p className="muted">Open the terminal on a board to see its files.</p>
      ) : !listing ? (
        <p className="muted">{connected ? 'Reading the board’s files…' : 'The file list appears when the board is connected.'}</p>
      ) : (
        <>
          <table className="files-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {listing.entries.length === 0 && (
                <tr>
                  <td colSpan={3} className="muted">
                    Empty. Drop files here or use Upload….
                  </td>
                </tr>
              )}
              {listing.entries.map((entry) => (
                <tr key={entry.path}>
                  <td>
                    {entry.kind === 'dir' ? (
                      <button type="button" className="link-button" disabled={!connected} onClick={() => void refreshFiles(entry.path)}>
                        {entry.name}/
                      </button>
                    ) : (
                      <span className="mono">{entry.name}</span>
                    )}
                  </td>
                  <td className="num">{entry.kind === 'dir' ? '' : formatBytes(entry.size)}</td>
                  <td className="row-actions">
                    {entry.kind === 'file' && entry.name.endsWith('.py') && (
                      <button type="button" className="link-button" disabled={!connected} onClick={() => void fileAction((id) => api.invoke('files.run', { sessionId: id, path: entry.path }), false)}>
                        Run
                      </button>
                    )}
                    {entry.kind === 'file' && editable(entry.name) && (
                      <button type="button" className="link-button" disabled={!connected} onClick={() => void openEditor(entry.path)}>
                        Edit
                      </button>
                    )}
                    {entry.kind === 'file' && (
                      <button type="button" className="link-button" disabled={!connected} onClick={() => void download(entry.path, entry.name)}>
                        Download
                      </button>
                    )}
                    <button
                      type="button"
                      className="link-button"
                      disabled={!connected}
                      onClick={() => {
                        setPending({ kind: 'rename', path: entry.path, name: entry.name });
                        setName(entry.name);
                      }}
                    >
                      Rename
                    </button>
                    <button type="button" className="link-button danger-text" disabled={!connected} onClick={() => setPending({ kind: 'delete', path: entry.path, name: entry.name })}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {listing.usage && (
            <p className="muted small-text">
              {formatBytes(listing.usage.freeBytes)} free of {formatBytes(listing.usage.totalBytes)}
            </p>
          )}
        </>
      )}
      <p className="muted small-text">Drop files here to upload them into {folder}. Each upload is checked on the board.</p>
    </section>
  );
}
