/** Switching to a faster (or slower) baud mid-session. */
import { EspError, InvalidRequestError } from '../errors';
import { reportStage, type OperationContext } from '../progress';
import { switchBaud, type EspSession } from '../session';

export async function changeBaud(session: EspSession, baud: number, context: OperationContext = {}): Promise<void> {
  session.ensureInLoader();
  if (!Number.isSafeInteger(baud) || baud < 9600 || baud > 5_000_000) throw new InvalidRequestError(`${baud} is not a usable baud rate.`);
  if (baud === session.link.baudRate) return;
  if (!session.usingStub && !session.chip.rom.changeBaud) {
    throw new EspError('baud-unsupported', `The ${session.chip.name} ROM loader cannot change the baud rate; it works at ${session.link.baudRate} baud. Use the flasher stub for higher speeds.`);
  }
  reportStage(context.onProgress, 'changing-baud', `Changing baud rate to ${baud}`);
  await switchBaud(session.loader, session.link, baud);
}
