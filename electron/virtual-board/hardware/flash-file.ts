import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../../fs/atomic-file';
import type { NorFlash } from './nor-flash';

/**
 * Keeps a board's flash in a file: loaded when the board is created, saved atomically (a temporary
 * file in the same directory, then rename) a moment after changes settle and when the board closes,
 * so a crash never leaves a half-written image behind.
 */
export async function loadFlashFile(path: string, size: number): Promise<Uint8Array | null> {
  let data: Buffer;
  try {
    data = await fs.readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`Could not read the flash file ${path}: ${(error as Error).message}. Check its permissions or choose another file.`);
  }
  if (data.length !== size) {
    throw new Error(
      `The flash file ${path} holds ${data.length} bytes but the board has ${size} bytes of flash. ` +
        'Use the matching flash size, or delete the file to start with erased flash.',
    );
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

const SAVE_DELAY_MS = 250;

export class FlashFileWriter {
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly path: string,
    private readonly flash: NorFlash,
  ) {
    this.unsubscribe = flash.onChange(() => this.markDirty());
  }

  private markDirty(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      // A failed background save is retried at the next change and reported by close().
      this.flush().catch(() => undefined);
    }, SAVE_DELAY_MS);
    this.timer.unref?.();
  }

  /** Writes the current contents if they changed since the last save. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const run = this.saving.catch(() => undefined).then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      // A snapshot: the flash may change while the file is being written.
      const snapshot = this.flash.bytes.slice();
      try {
        await writeFileAtomic(this.path, snapshot);
      } catch (error) {
        this.dirty = true;
        throw new Error(`Could not save the board's flash to ${this.path}: ${(error as Error).message}. Check free disk space and permissions.`);
      }
    });
    this.saving = run;
    return run;
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await this.flush();
  }
}
