import type { ErrorCode, KilnErrorInfo } from './errors';
import type { FlashContents, OperationProgress } from './device';

/**
 * Anything longer than a moment (flash, erase, backup, download) runs as a job: the request that
 * starts it returns a job id at once; state and progress arrive as 'job.updated' events. Many
 * jobs run at once (a classroom images many boards), one per port at a time.
 */
export type JobKind = 'connect' | 'flash' | 'erase' | 'verify' | 'backup' | 'restore' | 'download' | 'probe' | 'inspect' | 'file-upload' | 'file-download';
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
  /** What a job that succeeded produced, for the UI to show (e.g. which regions were hash-verified). */
  result?: JobResult;
}

/** One region a write job wrote, and whether the board's MD5 of it matched Kiln's. */
export interface WrittenRegionSummary {
  offset: number;
  size: number;
  md5: string;
  verified: boolean;
  /** Bytes that crossed the link for it (compressed size when compressed). */
  sentBytes: number;
  /** Bytes the board already held and that were not written again (diff re-flash); 0 for a full write. */
  unchangedBytes: number;
}

export type JobResult =
  | { kind: 'flash'; regions: WrittenRegionSummary[]; warnings: string[] }
  | { kind: 'inspect'; contents: FlashContents };

export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

export function isJobFinished(status: JobStatus): boolean {
  return TERMINAL_JOB_STATUSES.includes(status);
}

export type { ErrorCode };
