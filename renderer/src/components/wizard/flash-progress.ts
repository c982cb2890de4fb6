import type { OperationProgress, OperationStage } from '../../../../shared/types/device';

/** The stages one Flash press goes through, in order; connect and the flasher came before (step 2). */
export type FlashStage = 'connect' | 'stub' | 'download' | 'erase' | 'write' | 'verify';

export interface StagePlan {
  stage: FlashStage;
  label: string;
  /** Share of the whole bar, by expected time. */
  weight: number;
}

/** A chip erase takes seconds per MB on real NOR flash; the bar moves on this estimate while it runs. */
export const ERASE_SECONDS_PER_MB = 2.5;

export function planStages(options: { download: boolean; eraseAll: boolean; imageBytes: number; flashBytes: number; bytesPerSecond: number }): StagePlan[] {
  const writeSeconds = options.imageBytes / Math.max(1, options.bytesPerSecond);
  const plan: StagePlan[] = [
    { stage: 'connect', label: 'Connect', weight: 0 },
    { stage: 'stub', label: 'Fast flasher', weight: 0 },
  ];
  if (options.download) plan.push({ stage: 'download', label: 'Download', weight: Math.max(1, writeSeconds * 0.2) });
  if (options.eraseAll) plan.push({ stage: 'erase', label: 'Erase', weight: Math.max(1, (options.flashBytes / (1024 * 1024)) * ERASE_SECONDS_PER_MB) });
  plan.push({ stage: 'write', label: 'Write', weight: Math.max(1, writeSeconds) });
  plan.push({ stage: 'verify', label: 'Verify', weight: Math.max(0.5, writeSeconds * 0.05) });
  return plan;
}

const ENGINE_STAGE: Partial<Record<OperationStage, FlashStage>> = {
  downloading: 'download',
  erasing: 'erase',
  comparing: 'write',
  writing: 'write',
  verifying: 'verify',
};

export interface OverallProgress {
  /** 0..1 over the whole plan; the percentage shown is exactly this, rounded down. */
  fraction: number;
  current: FlashStage | null;
  /** Stages finished. */
  done: FlashStage[];
}

/**
 * One bar across the stages: finished stages count in full, the current one by its bytes, or, for
 * an erase (which reports no bytes), by elapsed time against the estimate, never reaching its end
 * until the engine says it is done.
 */
export function overallProgress(plan: readonly StagePlan[], progress: OperationProgress | null, stageElapsedSeconds: number, finished: boolean): OverallProgress {
  const total = plan.reduce((sum, p) => sum + p.weight, 0) || 1;
  if (finished) return { fraction: 1, current: null, done: plan.map((p) => p.stage) };
  const current = progress ? (ENGINE_STAGE[progress.stage] ?? null) : null;
  const index = current ? plan.findIndex((p) => p.stage === current) : -1;
  if (index < 0) {
    // Before the first report: connect and the flasher are done (step 2).
    return { fraction: 0, current: plan.find((p) => p.weight > 0)?.stage ?? null, done: plan.filter((p) => p.weight === 0).map((p) => p.stage) };
  }
  const before = plan.slice(0, index).reduce((sum, p) => sum + p.weight, 0);
  const here = plan[index]!;
  let within: number;
  if (progress && progress.total > 0) within = Math.min(1, progress.done / progress.total);
  else within = 1 - Math.exp(-stageElapsedSeconds / Math.max(0.5, here.weight));
  within = Math.min(within, 0.99);
  return { fraction: Math.min(1, (before + here.weight * within) / total), current, done: plan.slice(0, index).map((p) => p.stage) };
}
