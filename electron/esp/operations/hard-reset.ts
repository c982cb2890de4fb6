/**
 * Leaving the bootloader: pulse EN so the chip restarts into its app. Ports without modem lines
 * (a pty) ask the loader instead: the stub's RUN_USER_CODE, or the ROM's FLASH_END "reboot".
 */
import { ModemLinesUnsupportedError, type Link } from '../../serial/link';
import type { ChipDefinition } from '../chips';
import { Op } from '../command';
import { CommandTimeoutError } from '../errors';
import { reportStage, type OperationContext } from '../progress';
import { hardResetSequence } from '../reset';
import type { EspLoader } from '../loader';
import { DEFAULT_TIMEOUT_MS } from '../timeouts';

/**
 * What a reset needs of a session. Declared here rather than importing EspSession, because the
 * session resets through this module when it closes: the two must not import each other.
 */
export interface ResetTarget {
  readonly link: Link;
  readonly loader: EspLoader;
  readonly chip: ChipDefinition;
  readonly options: { readonly usbJtagSerial?: boolean };
  warn(message: string): void;
  inLoader: boolean;
}

export type ResetMethod = 'modem-lines' | 'run-user-code' | 'rom-reboot';

export async function resetIntoApp(session: ResetTarget, context: OperationContext = {}): Promise<ResetMethod> {
  reportStage(context.onProgress, 'resetting', 'Resetting the board into its program');
  let method: ResetMethod = 'modem-lines';
  try {
    await hardResetSequence(session.options.usbJtagSerial ?? false).run(session.link);
  } catch (error) {
    if (!(error instanceof ModemLinesUnsupportedError)) throw error;
    const { loader, chip } = session;
    if (loader.isStub) {
      await loader.runUserCode();
      method = 'run-user-code';
    } else {
      await loader.flashBegin(Op.FLASH_BEGIN, { size: 0, blocks: 0, blockSize: chip.blockSizes.romFlash, offset: 0, encryptWord: chip.rom.flashBeginEncryptWord }, DEFAULT_TIMEOUT_MS);
      try {
        await loader.flashEnd(Op.FLASH_END, true);
      } catch (endError) {
        // The ROM may restart before its answer leaves the UART.
        if (!(endError instanceof CommandTimeoutError)) throw endError;
      }
      method = 'rom-reboot';
    }
    session.warn(`${session.link.path} cannot drive RTS, so the loader was asked to start the program. If nothing happens, press RESET on the board.`);
  }
  session.inLoader = false;
  reportStage(context.onProgress, 'done', 'Board reset');
  return method;
}

/** The operation name the app and CLI use. */
export const hardReset = resetIntoApp;
