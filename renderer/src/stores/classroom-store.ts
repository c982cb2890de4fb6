import { create } from 'zustand';
import type { ClassroomHistoryRun, ClassroomRecipe, ClassroomState, ClassroomStationOptions } from '../../../shared/types/classroom';
import type { CachedFirmware, LocalImage } from '../../../shared/types/firmware';
import { api } from '../api';
import { describeError } from '../error-text';

interface ClassroomStore {
  state: ClassroomState | null;
  /** Runs kept in the data folder (this one too, while it goes on), newest first; null until loaded. */
  history: ClassroomHistoryRun[] | null;
  /** Firmware the recipe can use: downloads in the cache and local images. */
  cached: CachedFirmware[];
  local: LocalImage[];
  /** A request in flight (the buttons it came from are disabled meanwhile). */
  working: boolean;
  error: string | null;
  notice: string | null;
  refresh(): Promise<void>;
  start(recipe: ClassroomRecipe, options: ClassroomStationOptions): Promise<boolean>;
  setOptions(patch: Partial<ClassroomStationOptions>): Promise<void>;
  retry(stationId: string): Promise<void>;
  cancel(stationId: string): Promise<void>;
  cancelAll(): Promise<void>;
  stop(): Promise<void>;
  /** The report as a CSV download (the browser's, or the desktop app's save dialog). */
  downloadCsv(runId?: string): Promise<void>;
  saveCsv(folder: string, runId?: string): Promise<boolean>;
  loadHistory(): Promise<void>;
  receive(state: ClassroomState): void;
  dismiss(): void;
}

export const useClassroomStore = create<ClassroomStore>((set, get) => {
  /** Runs a request that answers with the new state; its failure is shown, never thrown. */
  async function act(work: () => Promise<ClassroomState>): Promise<boolean> {
    set({ working: true, error: null });
    try {
      get().receive(await work());
      return true;
    } catch (error) {
      set({ error: describeError(error) });
      return false;
    } finally {
      set({ working: false });
    }
  }
  return {
    state: null,
    history: null,
    cached: [],
    local: [],
    working: false,
    error: null,
    notice: null,
    async refresh() {
      try {
        // The history loads on its own: a problem there never keeps the station from showing.
        void get().loadHistory();
        const [state, cached, local] = await Promise.all([api.invoke('classroom.state', {}), api.invoke('firmware.cache.list', {}), api.invoke('firmware.local.list', {})]);
        set({ cached, local });
        get().receive(state);
      } catch (error) {
        set({ error: describeError(error) });
      }
    },
    start: (recipe, options) => act(() => api.invoke('classroom.start', { recipe, options })),
    async setOptions(patch) {
      await act(() => api.invoke('classroom.options', patch));
    },
    async retry(stationId) {
      await act(() => api.invoke('classroom.retry', { stationId }));
    },
    async cancel(stationId) {
      await act(() => api.invoke('classroom.cancel', { stationId }));
    },
    async cancelAll() {
      await act(() => api.invoke('classroom.cancelAll', {}));
    },
    async stop() {
      await act(() => api.invoke('classroom.stop', {}));
    },
    async downloadCsv(runId) {
      try {
        const { fileName, csv, rows } = await api.invoke('classroom.report.csv', runId ? { runId } : {});
        const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
        const link = document.createElement('a');
        link.href = url;
        link.download = fileName;
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        set({ notice: `Exported ${rows} row${rows === 1 ? '' : 's'} as ${fileName}.`, error: null });
      } catch (error) {
        set({ error: describeError(error) });
      }
    },
    async saveCsv(folder, runId) {
      try {
        const saved = await api.invoke('classroom.report.save', runId ? { folder, runId } : { folder });
        set({ notice: `Saved ${saved.rows} row${saved.rows === 1 ? '' : 's'} to ${saved.path}.`, error: null });
        return true;
      } catch (error) {
        set({ error: describeError(error) });
        return false;
      }
    },
    async loadHistory() {
      try {
        set({ history: await api.invoke('classroom.history', {}) });
      } catch (error) {
        set({ error: describeError(error) });
      }
    },
    receive(state) {
      const ended = get().state?.run && !state.run;
      set({ state });
      // A run that ended is now an earlier run.
      if (ended) void get().loadHistory();
    },
    dismiss() {
      set({ error: null, notice: null });
    },
  };
});

export function subscribeClassroom(): () => void {
  return api.on('classroom.changed', (state) => useClassroomStore.getState().receive(state));
}
