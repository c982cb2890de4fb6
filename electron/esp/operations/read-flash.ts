/**
 * Reading flash back (backups). The stub streams it with its acknowledgement window and closing
 * MD5; without the stub, the ESP32-family ROMs read 64 bytes per request (READ_FLASH_SLOW) and the
 * result is checked against the ROM's own SPI_FLASH_MD5. The ESP8266 ROM has no way to read flash.
 */
import { createHash } from 'node:crypto';
import { formatHex32 } from '../../../shared/format';
import { EspError, VerifyFailedError } from '../errors';
import { ProgressTracker, reportStage, type OperationContext } from '../progress';
import type { EspSession } from '../session';
import { checkRegion } from './regions';

export async function readFlash(session: EspSession, offset: number, size: number, context: OperationContext = {}): Promise<Uint8Array> {
  session.ensureInLoader();
  const { loader, chip } = session;
  if (!loader.isStub && !chip.rom.readFlashSlow) {
    throw new EspError(
      'needs-stub',
      `The ${chip.name} ROM loader cannot read flash: it only has commands to write it (and to read single registers, which would take hours for a backup). ` +
        `Reading needs Kiln's flasher stub; connect again with the stub on (the default).`,
    );
  }
  checkRegion(offset, size, await session.flashSize(), { aligned: false, what: 'Read' });
  const tracker = new ProgressTracker('reading', size, context.onProgress, `Reading from ${formatHex32(offset)}`);
  const options: { onData: (received: number) => void; signal?: AbortSignal } = { onData: (received) => tracker.update(received) };
  if (context.signal) options.signal = context.signal;
  let data: Uint8Array;
  if (loader.isStub) {
    // The stub ends the stream with the MD5 of what it read; loader.readFlash checks it.
    data = await loader.readFlash(offset, size, options);
  } else {
    data = await loader.readFlashSlow(offset, size, options);
    reportStage(context.onProgress, 'verifying', 'Checking the read against the board’s MD5');
    const expected = await loader.flashMd5(offset, size);
    const actual = createHash('md5').update(data).digest('hex');
    if (expected !== actual) {
      throw new VerifyFailedError(`The data read from flash is damaged (MD5 ${actual}, the board computed ${expected}). Try a lower baud rate.`);
    }
  }
  reportStage(context.onProgress, 'done', 'Read complete');
  return data;
}
