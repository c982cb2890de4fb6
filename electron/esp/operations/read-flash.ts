/** Reading flash back (backups): through the stub only, with its acknowledgement window and closing MD5. */
import { formatHex32 } from '../../../shared/format';
import { NeedsStubError } from '../errors';
import { ProgressTracker, reportStage, type OperationContext } from '../progress';
import type { EspSession } from '../session';
import { checkRegion } from './regions';

export async function readFlash(session: EspSession, offset: number, size: number, context: OperationContext = {}): Promise<Uint8Array> {
  session.ensureInLoader();
  const { loader, chip } = session;
  // The ROMs could only read a few bytes per READ_REG: hours for a backup. The stub streams it.
  if (!loader.isStub) throw new NeedsStubError('Reading flash', chip.name);
  checkRegion(offset, size, await session.flashSize(), { aligned: false, what: 'Read' });
  const tracker = new ProgressTracker('reading', size, context.onProgress, `Reading from ${formatHex32(offset)}`);
  const options: { onData: (received: number) => void; signal?: AbortSignal } = { onData: (received) => tracker.update(received) };
  if (context.signal) options.signal = context.signal;
  const data = await loader.readFlash(offset, size, options);
  reportStage(context.onProgress, 'done', 'Read complete');
  return data;
}
