/**
 * Auto baud with recovery: the fastest rate that passes a link check is kept, and a link that
 * damages data above some rate (fault injection: a marginal cable or adapter clock) ends with the
 * write complete and verified at a lower rate, resumed where the board acknowledged, not restarted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChipFamily } from '../../../../shared/types/chips';
import { writeFlash } from '../../../../electron/esp/operations';
import { closeBoards, pattern, rig, same } from './helpers';

const OFFSET = 0x10000;
const SIZE = 192 * 1024;

afterEach(closeBoards);

describe.each<ChipFamily>(['esp32', 'esp8266'])('auto baud on %s', (chip) => {
  it('keeps the fastest rate the adapter allows when the link is clean', async () => {
    const { session } = await rig(chip, { autoBaud: { maxBaud: 2_000_000 } });
    expect(session.baudRate).toBe(2_000_000);
    expect(session.baudNotes.join('\n')).toMatch(/2000000 baud: the fastest rate that passed/);
    const image = pattern(SIZE, 5);
    const result = await writeFlash(session, [{ offset: OFFSET, data: image }]);
    expect(result.regions[0]!.verified).toBe(true);
  });

  it('stays at or below what the adapter allows', async () => {
    const { session } = await rig(chip, { autoBaud: { maxBaud: 921_600 } });
    expect(session.baudRate).toBe(921_600);
  });

  it('rejects rates whose link check fails and writes at the fastest that passes', async () => {
    const { board, session } = await rig(chip, { autoBaud: { maxBaud: 2_000_000 } }, { faults: { marginalAbove: { baud: 1_000_000, corruptRate: 0.05 } } });
    expect(session.baudRate).toBe(921_600);
    const notes = session.baudNotes.join('\n');
    expect(notes).toMatch(/2000000 baud: failed the link check/);
    expect(notes).toMatch(/1500000 baud: failed the link check/);
    const image = pattern(SIZE, 6);
    const result = await writeFlash(session, [{ offset: OFFSET, data: image }]);
    expect(result.regions[0]!.verified).toBe(true);
    expect(same(board.readFlash(OFFSET, SIZE), image)).toBe(true);
  });

  it('drops to a lower rate when blocks start arriving damaged, and resumes instead of restarting', async () => {
    // Rare enough damage that short commands pass the check; 16 KiB blocks mostly do not.
    const { board, session, warnings } = await rig(chip, { autoBaud: { maxBaud: 2_000_000 } }, { faults: { marginalAbove: { baud: 1_000_000, corruptRate: 2e-4 }, seed: 11 } });
    expect(session.baudRate).toBeGreaterThan(1_000_000);
    const image = pattern(SIZE, 7);
    const progress: { done: number; total: number }[] = [];
    const result = await writeFlash(session, [{ offset: OFFSET, data: image }], {}, { onProgress: (p) => p.stage === 'writing' && progress.push({ done: p.done, total: p.total }) });
    expect(result.regions[0]!.verified).toBe(true);
    expect(same(board.readFlash(OFFSET, SIZE), image)).toBe(true);
    expect(session.baudRate).toBeLessThanOrEqual(1_000_000);
    expect(warnings.join('\n')).toMatch(/Data arrived damaged at \d+ baud; continuing at \d+ baud from 0x000[0-9a-f]{5}/);
    expect(session.baudNotes.some((n) => n.startsWith('Data arrived damaged'))).toBe(true);
    // Progress never reported more than its total, and the write's own bar reached its end.
    expect(progress.every((p) => p.done <= p.total)).toBe(true);
    expect(progress.some((p) => p.total === SIZE && p.done === SIZE)).toBe(true);
  });
});

describe('stepping down without auto baud', () => {
  it('a fixed high rate on a marginal link still ends verified, one rate lower at a time', async () => {
    const { board, session } = await rig('esp32', { baudRate: 2_000_000 }, { faults: { marginalAbove: { baud: 500_000, corruptRate: 1e-3 }, seed: 3 } });
    const image = pattern(SIZE, 8);
    const result = await writeFlash(session, [{ offset: OFFSET, data: image }]);
    expect(result.regions[0]!.verified).toBe(true);
    expect(same(board.readFlash(OFFSET, SIZE), image)).toBe(true);
    expect(session.baudRate).toBe(460_800);
    expect(session.baudNotes.filter((n) => n.startsWith('Data arrived damaged')).length).toBe(3);
  });

  it('resumes from the sector the board acknowledged when the link turns bad halfway', async () => {
    const { board, session, warnings } = await rig('esp32', { baudRate: 921_600 });
    const image = pattern(SIZE, 10);
    let armed = false;
    const result = await writeFlash(session, [{ offset: OFFSET, data: image }], {}, {
      onProgress: (p) => {
        if (!armed && p.stage === 'writing' && p.done >= SIZE / 2) {
          armed = true;
          board.setFaults({ marginalAbove: { baud: 500_000, corruptRate: 1e-3 } });
        }
      },
    });
    expect(result.regions[0]!.verified).toBe(true);
    expect(same(board.readFlash(OFFSET, SIZE), image)).toBe(true);
    const resumed = /continuing at 460800 baud from 0x([0-9a-f]{8})/.exec(warnings.join('\n'));
    expect(resumed).not.toBeNull();
    expect(parseInt(resumed![1]!, 16)).toBeGreaterThanOrEqual(OFFSET + SIZE / 2 - 0x4000);
    expect(parseInt(resumed![1]!, 16) % 0x1000).toBe(0);
  });

  it('gives up with the link error at the floor rate', async () => {
    const { board, session } = await rig('esp32', { baudRate: 115_200 });
    board.setFaults({ corruptRate: 0.01 });
    await expect(writeFlash(session, [{ offset: OFFSET, data: pattern(SIZE, 9) }])).rejects.toThrow(/checksum|damaged|answer/i);
  });
});
