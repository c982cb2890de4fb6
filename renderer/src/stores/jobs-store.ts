import { create } from 'zustand';
import type { JobSummary } from '../../../shared/types/jobs';
import { api } from '../api';

interface JobsState {
  jobs: Record<string, JobSummary>;
  receive(job: JobSummary): void;
}

export const useJobsStore = create<JobsState>((set) => ({
  jobs: {},
  receive(job) {
    set((state) => ({ jobs: { ...state.jobs, [job.id]: job } }));
  },
}));

export function subscribeJobs(): () => void {
  return api.on('job.updated', (job) => useJobsStore.getState().receive(job));
}
