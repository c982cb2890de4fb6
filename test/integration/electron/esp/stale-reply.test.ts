/**
 * A board that goes quiet for longer than a block's timeout answers late. The late reply belongs to
 * the block that was sent before the silence, never to the one after it: the write either finishes
 * with the flash holding every byte, or fails with a clear error. The ESP8266 ROM cannot hash flash,
 * so its write is reported as unverified.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EspError } from '../../../../electron/esp/errors';
import { writeFlash } from '../../../../electron/esp/operations';
import { closeBoards, pattern, rig, same } from './helpers';

afterEach(closeBoards);

describe('a stall longer than the block timeout', () => {
  it.each([
    ['esp8266', false],
    ['esp8266', true],
    ['esp32', false],
  ] as const)('%s (stub %s): the write completes correctly or fails clearly, never early', async (chip, useStub) => {
    // A timed link (latency and baud), so a reply still in flight is not delivered the instant it is made.
    const { board, session } = await rig(chip, { useStub, baudRate: 460800 }, { linkModel: { latencyMs: 1 } });
    const data = pattern(12 * 1024, 7);
    // A few blocks in, the board stops answering for longer than a block's 3 s timeout.
    board.setFaults({ stall: { atByte: 4 * 1024, ms: 4_200 } });
    const outcome = await writeFlash(session, [{ offset: 0x20000, data }], { compress: false }).then(
      (result) => ({ result, flash: board.readFlash(0x20000, data.length) }),
      (error: unknown) => ({ error }),
    );
    // 4.2 s is within a block's timeout plus one barrier: the write is expected to finish.
    if ('error' in outcome) {
      expect(outcome.error).toBeInstanceOf(EspError);
      expect((outcome.error as Error).message).toMatch(/board/);
    }
    expect(outcome).not.toHaveProperty('error');
    if ('error' in outcome) return;
    // What was reported written must be on the flash the moment the write returns.
    expect(same(outcome.flash, data)).toBe(true);
    const { verification, verified } = outcome.result.regions[0]!;
    expect(verification).toBe(useStub || chip === 'esp32' ? 'verified' : 'unverified');
    expect(verified).toBe(verification === 'verified');
  }, 30_000);
});
