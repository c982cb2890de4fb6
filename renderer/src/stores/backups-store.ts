import { create } from 'zustand';
import type { BackupEntry, BackupExportResult, BoardRecord, FirmwareGuess, FlashRegion, RestoreCheck } from '../../../shared/types/backups';
import type { ChipFamily } from '../../../shared/types/chips';
import { isJobFinished } from '../../../shared/types/jobs';
import { api } from '../api';
import { describeError } from '../error-text';
import { useDeviceStore } from './device-store';

/** What an action gives back to the component that asked: its value, or a sentence to show there. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

export interface FirmwareLook {
  state: 'probing' | 'done' | 'failed';
  guess: FirmwareGuess | null;
  error: string | null;
}

interface BackupsState {
  entries: BackupEntry[];
  loaded: boolean;
  query: string;
  listError: string | null;
  history: BoardRecord[];
  /** The latest backup / restore / erase job per board session, so its screen can show progress. */
  backupJobs: Record<string, string>;
  restoreJobs: Record<string, string>;
  eraseJobs: Record<string, string>;
  firmware: Record<string, FirmwareLook>;
  refresh(): Promise<void>;
  setQuery(query: string): Promise<void>;
  loadHistory(): Promise<void>;
  /**
   * Starts a backup of the whole flash (or a region) of a connected board; resolves with the job
   * id. The wizard's "back up first" calls this.
   */
  backUp(sessionId: string, options?: { label?: string; region?: FlashRegion }): Promise<Outcome<string>>;
  rename(id: string, label: string): Promise<Outcome<BackupEntry>>;
  remove(id: string): Promise<Outcome<null>>;
  exportTo(id: string, folder: string): Promise<Outcome<BackupExportResult>>;
  importImage(request: { path: string; label: string; chip: ChipFamily; mac?: string; offset?: number }): Promise<Outcome<BackupEntry>>;
  checkRestore(id: string, sessionId: string): Promise<Outcome<RestoreCheck>>;
  restore(id: string, sessionId: string, allowOtherBoard: boolean): Promise<Outcome<string>>;
  erase(sessionId: string): Promise<Outcome<string>>;
  probe(sessionId: string): Promise<void>;
  cancel(jobId: string): Promise<void>;
}

export const useBackupsStore = create<BackupsState>((set, get) => ({
  entries: [],
  loaded: false,
  query: '',
  listError: null,
  history: [],
  backupJobs: {},
  restoreJobs: {},
  eraseJobs: {},
  firmware: {},
  async refresh() {
    const query = get().query.trim();
    try {
      const entries = await api.invoke('backups.list', query ? { query } : {});
      // A newer search may have started meanwhile: keep only the answer to the current one.
      if (get().query.trim() === query) set({ entries, loaded: true, listError: null });
    } catch (error) {
      set({ listError: describeError(error), loaded: true });
    }
  },
  async setQuery(query) {
    set({ query });
    await get().refresh();
  },
  async loadHistory() {
    try {
      set({ history: await api.invoke('boards.history', {}) });
    } catch {
      // Shown again with the next finished job.
    }
  },
  async backUp(sessionId, options = {}) {
    const outcome = await attempt(() =>
      api.invoke('backups.create', { sessionId, ...(options.label ? { label: options.label } : {}), ...(options.region ? { region: options.region } : {}) }),
    );
    if (!outcome.ok) return outcome;
    set((state) => ({ backupJobs: { ...state.backupJobs, [sessionId]: outcome.value.id } }));
    return { ok: true, value: outcome.value.id };
  },
  async rename(id, label) {
    const outcome = await attempt(() => api.invoke('backups.rename', { id, label }));
    await get().refresh();
    return outcome;
  },
  async remove(id) {
    const outcome = await attempt(() => api.invoke('backups.delete', { id }));
    await get().refresh();
    return outcome;
  },
  exportTo(id, folder) {
    return attempt(() => api.invoke('backups.export', { id, folder }));
  },
  async importImage(request) {
    const outcome = await attempt(() => api.invoke('backups.import', request));
    await get().refresh();
    return outcome;
  },
  checkRestore(id, sessionId) {
    return attempt(() => api.invoke('backups.checkRestore', { id, sessionId }));
  },
  async restore(id, sessionId, allowOtherBoard) {
    const outcome = await attempt(() => api.invoke('backups.restore', { id, sessionId, confirmed: true, allowOtherBoard }));
    if (!outcome.ok) return outcome;
    set((state) => ({ restoreJobs: { ...state.restoreJobs, [sessionId]: outcome.value.id } }));
    return { ok: true, value: outcome.value.id };
  },
  async erase(sessionId) {
    const outcome = await attempt(() => api.invoke('device.erase', { sessionId }));
    if (!outcome.ok) return outcome;
    set((state) => ({ eraseJobs: { ...state.eraseJobs, [sessionId]: outcome.value.id } }));
    return { ok: true, value: outcome.value.id };
  },
  async probe(sessionId) {
    if (get().firmware[sessionId]?.state === 'probing') return;
    const setLook = (look: FirmwareLook) => set((state) => ({ firmware: { ...state.firmware, [sessionId]: look } }));
    setLook({ state: 'probing', guess: get().firmware[sessionId]?.guess ?? null, error: null });
    const outcome = await attempt(() => api.invoke('device.probeFirmware', { sessionId }));
    setLook(outcome.ok ? { state: 'done', guess: outcome.value, error: null } : { state: 'failed', guess: null, error: outcome.error });
  },
  async cancel(jobId) {
    await attempt(() => api.invoke('jobs.cancel', { jobId }));
  },
}));

/** Keeps the library and the board history current: library events, and every job that changes a board. */
export function subscribeBackups(): () => void {
  const offChanged = api.on('backups.changed', () => void useBackupsStore.getState().refresh());
  const offJobs = api.on('job.updated', (job) => {
    if (!isJobFinished(job.status)) return;
    if (['connect', 'backup', 'restore', 'flash', 'erase'].includes(job.kind)) void useBackupsStore.getState().loadHistory();
    // What is on the board changed: the next look at its firmware must read it again.
    if (job.status === 'succeeded' && ['restore', 'flash', 'erase'].includes(job.kind)) {
      const session = useDeviceStore.getState().sessions.find((s) => s.port === job.port);
      if (session && useBackupsStore.getState().firmware[session.id]) void useBackupsStore.getState().probe(session.id);
    }
  });
  return () => {
    offChanged();
    offJobs();
  };
}
