/** Verify: compare each region's MD5, computed on the board, with the file's. Nothing is read back. */
import { createHash } from 'node:crypto';
import { formatHex32 } from '../../../shared/format';
import { NeedsStubError, throwIfAborted } from '../errors';
import { ProgressTracker, reportStage, type OperationContext } from '../progress';
import type { EspSession } from '../session';
import { checkImages, padToWord, type FlashImage } from './regions';

export interface VerifiedRegion {
  offset: number;
  size: number;
  expected: string;
  actual: string;
  matches: boolean;
}

export async function verifyFlash(session: EspSession, images: readonly FlashImage[], context: OperationContext = {}): Promise<VerifiedRegion[]> {
  session.ensureInLoader();
  const { loader, chip } = session;
  if (!loader.isStub && !chip.rom.md5) throw new NeedsStubError('Verifying flash', chip.name);
  const sorted = checkImages(images, await session.flashSize());
  const total = sorted.reduce((sum, image) => sum + padToWord(image.data).length, 0);
  const tracker = new ProgressTracker('verifying', total, context.onProgress, 'Verifying');
  const results: VerifiedRegion[] = [];
  for (const image of sorted) {
    throwIfAborted(context.signal);
    const data = padToWord(image.data);
    const expected = createHash('md5').update(data).digest('hex');
    const actual = await loader.flashMd5(image.offset, data.length);
    results.push({ offset: image.offset, size: data.length, expected, actual, matches: expected === actual });
    tracker.add(data.length, `Verified ${formatHex32(image.offset)}`);
  }
  reportStage(context.onProgress, 'done', 'Verify complete');
  return results;
}
