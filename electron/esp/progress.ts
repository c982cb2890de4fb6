/**
 * Progress for long operations: which stage, how far, how fast. Speed is the rate over the last
 * few seconds, so a pause (an erase, a slow block) shows up without the number jumping around.
 */
import type { OperationProgress, OperationStage } from '../../shared/types/device';

export type ProgressCallback = (progress: OperationProgress) => void;

/** What every operation takes besides its own arguments. */
export interface OperationContext {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

const WINDOW_MS = 3000;

export class ProgressTracker {
  private readonly samples: { at: number; done: number }[] = [];
  private done = 0;

  constructor(
    private readonly stage: OperationStage,
    private readonly total: number,
    private readonly callback: ProgressCallback | undefined,
    message?: string,
  ) {
    this.samples.push({ at: Date.now(), done: 0 });
    this.emit(message);
  }

  update(done: number, message?: string): void {
    this.done = done;
    const now = Date.now();
    this.samples.push({ at: now, done });
    while (this.samples.length > 2 && now - this.samples[0]!.at > WINDOW_MS) this.samples.shift();
    this.emit(message);
  }

  /** Announces the region whose bytes follow (see OperationProgress.region). */
  startRegion(region: NonNullable<OperationProgress['region']>, message?: string): void {
    this.emit(message, region);
  }

  /** Takes back bytes that will be sent again (a transfer resumed from an earlier point); shown with the next update. */
  rewind(bytes: number): void {
    this.done = Math.max(0, this.done - bytes);
  }

  add(bytes: number, message?: string): void {
    this.update(this.done + bytes, message);
  }

  get bytesPerSecond(): number {
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    const seconds = (last.at - first.at) / 1000;
    return seconds > 0 ? Math.max(0, last.done - first.done) / seconds : 0;
  }

  private emit(message?: string, region?: OperationProgress['region']): void {
    if (!this.callback) return;
    const progress: OperationProgress = { stage: this.stage, done: this.done, total: this.total, bytesPerSecond: this.bytesPerSecond };
    if (message !== undefined) progress.message = message;
    if (region !== undefined) progress.region = region;
    this.callback(progress);
  }
}

/** A one-off stage report (connecting, resetting, done). */
export function reportStage(callback: ProgressCallback | undefined, stage: OperationStage, message?: string): void {
  if (!callback) return;
  const progress: OperationProgress = { stage, done: 0, total: 0, bytesPerSecond: 0 };
  if (message !== undefined) progress.message = message;
  callback(progress);
}
