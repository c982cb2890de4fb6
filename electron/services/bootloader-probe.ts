import { DIRECTION_RESPONSE, encodeRequest, Op, SYNC_PAYLOAD } from '../esp/command';
import { slipEncode, SlipDecoder } from '../esp/slip';
import { classifyUnresponsive, RawReplUnavailableError } from '../repl/errors';
import type { Link } from '../serial/link';

/**
 * Asks a board that does not answer like MicroPython whether its ROM loader is listening: SYNC
 * requests of Espressif's serial protocol. A board in download mode answers with a SLIP frame
 * within milliseconds; MicroPython or other firmware ignores the bytes. More than one SYNC, as
 * esptool does: the ROM may spend the first measuring the baud (its auto-baud).
 */
export async function answersLikeBootloader(link: Link, options: { attempts?: number; waitMs?: number } = {}): Promise<boolean> {
  const decoder = new SlipDecoder();
  const request = slipEncode(encodeRequest(Op.SYNC, SYNC_PAYLOAD));
  for (let attempt = 0; attempt < (options.attempts ?? 3); attempt++) {
    await link.write(request);
    const deadline = Date.now() + (options.waitMs ?? 150);
    while (Date.now() < deadline) {
      const bytes = await link.read(Math.max(1, deadline - Date.now()));
      if (bytes.length === 0) continue;
      const { packets } = decoder.push(bytes);
      if (packets.some((packet) => packet[0] === DIRECTION_RESPONSE && packet[1] === Op.SYNC)) return true;
    }
  }
  return false;
}

/**
 * Sharpens a failed raw-REPL entry: what the console showed before (the ROM's "waiting for
 * download") and, failing that, a SYNC the ROM loader answers tell "in the bootloader" from silence.
 */
export async function explainNoRawRepl(link: Link, error: unknown, consoleBefore: Uint8Array = new Uint8Array(0)): Promise<unknown> {
  if (!(error instanceof RawReplUnavailableError)) return error;
  let kind = error.kind;
  if (kind === 'silent') kind = classifyUnresponsive(consoleBefore);
  if (kind === 'silent' && link.isOpen && (await answersLikeBootloader(link).catch(() => false))) kind = 'bootloader';
  return kind === error.kind ? error : new RawReplUnavailableError('no "raw REPL" prompt after Ctrl-A', kind);
}
