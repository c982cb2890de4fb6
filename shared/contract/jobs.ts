import { z } from 'zod';
import { event, request } from './define';
import type { JobSummary } from '../types/jobs';

export const jobId = z.string().regex(/^job-[0-9a-z-]{1,40}$/, 'is not a job id');

export const jobsRequests = {
  'jobs.list': request(z.object({}).strict()).returns<JobSummary[]>(),
  /** Asks a running job to stop between blocks; resolves once it has stopped. */
  'jobs.cancel': request(z.object({ jobId }).strict()).returns<JobSummary>(),
};

export const jobsEvents = {
  /** State changes always; progress at most 20 times a second per job. */
  'job.updated': event<JobSummary>(),
};
