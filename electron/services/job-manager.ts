import { randomUUID } from 'node:crypto';
import type { OperationProgress } from '../../shared/types/device';
import { KilnError, type KilnErrorInfo } from '../../shared/types/errors';
import type { JobKind, JobResult, JobSummary } from '../../shared/types/jobs';

/** What a job's body gets: a way to report progress, and a signal that fires on cancel. */
export interface JobContext {
  readonly signal: AbortSignal;
  progress(progress: OperationProgress): void;
  /** Records what the job produced; published with the job's final state if it succeeds. */
  setResult(result: JobResult): void;
}

export interface StartJobOptions {
  kind: JobKind;
  title: string;
  /** A port runs one job at a time; a second job on a busy port is refused. */
  port?: string | null;
}

export interface JobManagerOptions {
  /** Called on every state change and (throttled) on progress. */
  publish(summary: JobSummary): void;
  /** Minimum milliseconds between two progress events of one job. 50 ms = at most 20 per second. */
  progressIntervalMs?: number;
  now?: () => number;
  logError?: (message: string, error: unknown) => void;
}

interface RunningJob {
  summary: JobSummary;
  controller: AbortController;
  done: Promise<void>;
  lastPublished: number;
  pendingTimer: NodeJS.Timeout | null;
  result?: JobResult;
}

/** Finished jobs kept for the list, so a UI that reconnects can still show how a job ended. */
const FINISHED_JOBS_KEPT = 50;

/**
 * Runs long operations concurrently (one per port), publishes their state, throttles their
 * progress so the UI never floods, and turns every failure into a readable error.
 */
export class JobManager {
  private readonly jobs = new Map<string, RunningJob>();
  private readonly interval: number;
  private readonly now: () => number;

  constructor(private readonly options: JobManagerOptions) {
    this.interval = options.progressIntervalMs ?? 50;
    this.now = options.now ?? Date.now;
  }

  /** Starts body in the background and returns the job's first summary at once. */
  start(options: StartJobOptions, body: (context: JobContext) => Promise<void>): JobSummary {
    const port = options.port ?? null;
    if (port !== null) {
      const holder = [...this.jobs.values()].find((job) => job.summary.port === port && job.summary.status === 'running');
      if (holder) {
        throw new KilnError('busy', `${port} is busy: "${holder.summary.title}" is still running.`, 'Wait for it to finish or cancel it first.');
      }
    }
    const controller = new AbortController();
    const summary: JobSummary = {
      id: `job-${randomUUID()}`,
      kind: options.kind,
      title: options.title,
      port,
      status: 'running',
      progress: null,
      error: null,
      startedAt: this.now(),
      finishedAt: null,
    };
    const job: RunningJob = { summary, controller, done: Promise.resolve(), lastPublished: 0, pendingTimer: null };
    this.jobs.set(summary.id, job);
    const context: JobContext = {
      signal: controller.signal,
      progress: (progress) => this.onProgress(job, progress),
      setResult: (result) => {
        job.result = structuredClone(result);
      },
    };
    job.done = this.run(job, body, context);
    this.publish(job);
    this.prune();
    return { ...summary };
  }

  list(): JobSummary[] {
    return [...this.jobs.values()].map((job) => ({ ...job.summary }));
  }

  get(id: string): JobSummary {
    return { ...this.require(id).summary };
  }

  /** Asks the job to stop and waits until it has. Cancelling a finished job just returns it. */
  async cancel(id: string): Promise<JobSummary> {
    const job = this.require(id);
    if (job.summary.status === 'running') job.controller.abort(new KilnError('cancelled', 'Cancelled by the user.'));
    await job.done;
    return { ...job.summary };
  }

  /** Resolves when the job has finished, whatever its outcome. */
  async settled(id: string): Promise<JobSummary> {
    const job = this.require(id);
    await job.done;
    return { ...job.summary };
  }

  /** Cancels everything (app shutdown). */
  async cancelAll(): Promise<void> {
    await Promise.all([...this.jobs.keys()].map((id) => this.cancel(id)));
  }

  private async run(job: RunningJob, body: (context: JobContext) => Promise<void>, context: JobContext): Promise<void> {
    // Let start() return and publish the first state before the body can publish progress.
    await Promise.resolve();
    try {
      // Cancelled before it began: the body never runs.
      if (!job.controller.signal.aborted) await body(context);
      job.summary.status = job.controller.signal.aborted ? 'cancelled' : 'succeeded';
      if (job.summary.status === 'succeeded' && job.result) job.summary.result = job.result;
    } catch (error) {
      if (job.controller.signal.aborted) {
        job.summary.status = 'cancelled';
      } else {
        job.summary.status = 'failed';
        job.summary.error = toErrorInfo(error, job.summary.title, this.options.logError);
      }
    }
    job.summary.finishedAt = this.now();
    if (job.pendingTimer) clearTimeout(job.pendingTimer);
    job.pendingTimer = null;
    this.publish(job);
  }

  private onProgress(job: RunningJob, progress: OperationProgress): void {
    if (job.summary.status !== 'running') return;
    job.summary.progress = { ...progress };
    const wait = job.lastPublished + this.interval - this.now();
    if (wait <= 0) {
      this.publish(job);
      return;
    }
    // Coalesce: the latest progress goes out when the interval has passed.
    job.pendingTimer ??= setTimeout(() => {
      job.pendingTimer = null;
      if (job.summary.status === 'running') this.publish(job);
    }, wait);
  }

  private publish(job: RunningJob): void {
    job.lastPublished = this.now();
    this.options.publish({ ...job.summary });
  }

  private require(id: string): RunningJob {
    const job = this.jobs.get(id);
    if (!job) throw new KilnError('not-found', `There is no job ${id}.`);
    return job;
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((job) => job.summary.status !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - FINISHED_JOBS_KEPT))) this.jobs.delete(job.summary.id);
  }
}

function toErrorInfo(error: unknown, title: string, logError?: (message: string, error: unknown) => void): KilnErrorInfo {
  if (error instanceof KilnError) return error.toInfo();
  (logError ?? ((m, e) => console.error(`[kiln] ${m}:`, e)))(`job "${title}" failed unexpectedly`, error);
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message: `"${title}" failed: ${message}` };
}
