/**
 * Progress on the terminal: a bar redrawn in place on a TTY, plain lines (one per stage and per
 * 10 %) when output goes to a file or a pipe, so logs stay readable.
 */
import type { OperationProgress } from '../../shared/types/device';
import { formatBytes, formatSpeed } from '../../shared/format';

export interface TextOutput {
  write(text: string): void;
  isTTY?: boolean;
}

const LABELS: Record<OperationProgress['stage'], string> = {
  connecting: 'Connecting',
  'uploading-stub': 'Uploading stub',
  'changing-baud': 'Changing baud',
  erasing: 'Erasing',
  comparing: 'Comparing',
  writing: 'Writing',
  verifying: 'Verifying',
  reading: 'Reading',
  downloading: 'Downloading',
  resetting: 'Resetting',
  done: 'Done',
};

export class ProgressPrinter {
  private stage: string | null = null;
  private lastDecile = -1;
  private barVisible = false;

  constructor(private readonly out: TextOutput) {}

  update = (progress: OperationProgress): void => {
    const stageChanged = progress.stage !== this.stage;
    if (stageChanged) {
      this.endBar();
      this.stage = progress.stage;
      this.lastDecile = -1;
    }
    if (progress.total <= 0) {
      if (stageChanged && progress.stage !== 'done') this.out.write(`${progress.message ?? LABELS[progress.stage]}...\n`);
      return;
    }
    const fraction = Math.min(1, progress.done / progress.total);
    if (this.out.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
      const line = `${LABELS[progress.stage].padEnd(14)} [${bar}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${formatBytes(progress.done)} / ${formatBytes(progress.total)}  ${formatSpeed(progress.bytesPerSecond)}`;
      this.out.write(`\r${line}\x1b[K`);
      this.barVisible = true;
      if (fraction >= 1) this.endBar();
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile !== this.lastDecile) {
        this.lastDecile = decile;
        this.out.write(`${LABELS[progress.stage]}: ${decile * 10}% (${formatBytes(progress.done)} of ${formatBytes(progress.total)})\n`);
      }
    }
  };

  /** Call before printing anything else, so text does not land on the bar's line. */
  endBar(): void {
    if (this.barVisible) {
      this.out.write('\n');
      this.barVisible = false;
    }
  }
}
