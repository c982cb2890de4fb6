import type { ErrorCode, KilnErrorInfo } from './errors';
import type { OperationProgress } from './device';

/**
 * Anything longer than a moment (flash, erase, backup, download) runs as a job: the request that
 * starts it returns a job id at once; state and progress arrive as 'job.updated' events. Many
 * jobs run at once (a classroom images many boards), one per port at a time.
 */
export type JobKind = 'connect' | 'flash' | 'erase' | 'verify' | 'backup' | 'restore' | 'download' | 'probe' | 'file-upload' | 'file-download';
export type JobStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobSummary {
  id: string;
  kind: JobKind;
  /** "Flash MicroPython v1.24.1 to /dev/ttyUSB0". */
  title: string;
  /** The port the job holds, if any: a port runs one job at a time. */
  port: string | null;
  status: JobStatus;
  progress: OperationProgress | null;
  error: KilnErrorInfo | null;
  startedAt: number;
  finishedAt: number | null;
}

export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

export function isJobFinished(status: JobStatus): boolean {
  return TERMINAL_JOB_STATUSES.includes(status);
}

export type { ErrorCode };
