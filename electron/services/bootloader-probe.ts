import { DIRECTION_RESPONSE, encodeRequest, Op, SYNC_PAYLOAD } from '../esp/command';
import { slipEncode, SlipDecoder } from '../esp/slip';
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
