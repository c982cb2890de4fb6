import { create } from 'zustand';
import type { ImageRef } from '../../../shared/types/firmware';
import type { JobSummary } from '../../../shared/types/jobs';
import { isJobFinished } from '../../../shared/types/jobs';
import { api } from '../api';
import { describeError } from '../error-text';
import { useJobsStore } from './jobs-store';

export type FlashMode = 'keep' | 'qio' | 'qout' | 'dio' | 'dout';

export interface FlashOptions {
  flashMode: FlashMode;
  /** 'detect': the header gets the detected size; 'keep': the image's own. */
  flashSize: 'detect' | 'keep';
  eraseAll: boolean;
}

export type FlashPhase = 'idle' | 'downloading' | 'writing' | 'succeeded' | 'failed' | 'cancelled';

interface FlashState {
  options: FlashOptions;
  /** Whether the user changed erase-all (else it follows "first MicroPython install"). */
  eraseTouched: boolean;
  phase: FlashPhase;
  downloadJobId: string | null;
  writeJobId: string | null;
  /** When the current job started, for estimates of stages without byte counts (a chip erase). */
  startedAt: number;
  error: string | null;
  setOptions(patch: Partial<FlashOptions>, touchedErase?: boolean): void;
  start(sessionId: string, image: ImageRef, needsDownload: boolean): Promise<void>;
  cancel(): Promise<void>;
  reset(): void;
}

export const useFlashStore = create<FlashState>((set, get) => ({
  options: { flashMode: 'keep', flashSize: 'detect', eraseAll: true },
  eraseTouched: false,
  phase: 'idle',
  downloadJobId: null,
  writeJobId: null,
  startedAt: 0,
  error: null,
  setOptions(patch, touchedErase = false) {
    set((state) => ({ options: { ...state.options, ...patch }, eraseTouched: state.eraseTouched || touchedErase }));
  },
  async start(sessionId, image, needsDownload) {
    set({ phase: needsDownload ? 'downloading' : 'writing', error: null, downloadJobId: null, writeJobId: null, startedAt: Date.now() });
    try {
      if (needsDownload && image.kind === 'catalog') {
        const download = await api.invoke('firmware.download', { entryId: image.entryId });
        set({ downloadJobId: download.id });
        const done = await settled(download);
        if (done.status !== 'succeeded') return finish(done);
        set({ phase: 'writing', startedAt: Date.now() });
      }
      const { options } = get();
      const job = await api.invoke('device.write', {
        sessionId,
        images: [{ image }],
        flashMode: options.flashMode,
        flashSize: options.flashSize,
        eraseAll: options.eraseAll,
      });
      set({ writeJobId: job.id });
      finish(await settled(job));
    } catch (error) {
      set({ phase: 'failed', error: describeError(error) });
    }

    function finish(job: JobSummary): void {
      if (job.status === 'succeeded') set({ phase: 'succeeded' });
      else if (job.status === 'cancelled') set({ phase: 'cancelled' });
      else set({ phase: 'failed', error: job.error ? (job.error.hint ? `${job.error.message} ${job.error.hint}` : job.error.message) : 'The job failed.' });
    }
  },
  async cancel() {
    const id = get().writeJobId ?? get().downloadJobId;
    if (!id) return;
    try {
      await api.invoke('jobs.cancel', { jobId: id });
    } catch (error) {
      set({ error: describeError(error) });
    }
  },
  reset() {
    set({ phase: 'idle', error: null, downloadJobId: null, writeJobId: null });
  },
}));

/** Resolves when the job's final state has arrived as an event (or is already known). */
function settled(job: JobSummary): Promise<JobSummary> {
  return new Promise((resolve) => {
    const check = (jobs: Record<string, JobSummary>): boolean => {
      const current = jobs[job.id];
      if (current && isJobFinished(current.status)) {
        resolve(current);
        return true;
      }
      return false;
    };
    if (check(useJobsStore.getState().jobs)) return;
    const unsubscribe = useJobsStore.subscribe((state) => {
      if (check(state.jobs)) unsubscribe();
    });
  });
}
