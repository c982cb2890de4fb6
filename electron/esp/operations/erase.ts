/**
 * Erasing (sets bytes to 0xFF). The stub has commands for it; the ROM loaders erase as part of
 * FLASH_BEGIN, so a begin without data erases the region there too.
 */
import { formatBytes, formatHex32 } from '../../../shared/format';
import { Op } from '../command';
import { EspError, throwIfAborted } from '../errors';
import { reportStage, type OperationContext } from '../progress';
import type { EspSession } from '../session';
import { ERASE_REGION_MS_PER_MB, timeoutPerMb } from '../timeouts';
import { checkRegion } from './regions';

export async function eraseFlash(session: EspSession, context: OperationContext = {}): Promise<void> {
  session.ensureInLoader();
  throwIfAborted(context.signal);
  reportStage(context.onProgress, 'erasing', 'Erasing the whole flash (this can take a minute)');
  if (session.loader.isStub) {
    await session.loader.eraseFlash();
  } else {
    const size = await session.flashSize();
    if (size === null) throw new EspError('unknown-flash-size', 'The flash size is unknown, so the ROM loader cannot erase it all. Use the flasher stub.');
    await romErase(session, 0, size);
  }
  reportStage(context.onProgress, 'done', 'Flash erased');
}

export async function eraseRegion(session: EspSession, offset: number, size: number, context: OperationContext = {}): Promise<void> {
  session.ensureInLoader();
  checkRegion(offset, size, await session.flashSize(), { aligned: true, what: 'Erase' });
  throwIfAborted(context.signal);
  reportStage(context.onProgress, 'erasing', `Erasing ${formatBytes(size)} at ${formatHex32(offset)}`);
  if (session.loader.isStub) await session.loader.eraseRegion(offset, size);
  else await romErase(session, offset, size);
  reportStage(context.onProgress, 'done', 'Region erased');
}

async function romErase(session: EspSession, offset: number, size: number): Promise<void> {
  const { chip, loader } = session;
  const blockSize = chip.blockSizes.romFlash;
  await loader.flashBegin(
    Op.FLASH_BEGIN,
    { size: chip.romEraseSize(offset, size), blocks: Math.ceil(size / blockSize), blockSize, offset, encryptWord: chip.rom.flashBeginEncryptWord },
    timeoutPerMb(ERASE_REGION_MS_PER_MB, size),
  );
}
