/** The flash bench's tables and targets: right-aligned columns, and each target judged from the rows it names. */
import { describe, expect, it } from 'vitest';
import type { FlashBenchRow } from '../../../bench/flash-bench';
import { formatFlashTable, formatTargets, judgeTargets, sideBySide, table } from '../../../bench/flash-tables';

function row(fields: Partial<FlashBenchRow>): FlashBenchRow {
  return {
    label: 'esp8266 921600',
    client: 'kiln',
    compression: 'zopfli',
    kind: 'write',
    chip: 'esp8266',
    baud: 921600,
    boards: 1,
    imageBytes: 600_888,
    sentBytes: 380_000,
    unchangedBytes: 0,
    wireBytes: 390_000,
    seconds: 4.3,
    wireLimitSeconds: 4.23,
    modelFlashSeconds: 3.13,
    ratioToBound: 4.3 / 4.23,
    ratioToWire: 4.3 / 4.23,
    ratioToModel: 4.3 / 3.13,
    ...fields,
  };
}

describe('bench tables', () => {
  it('pads the first column left-aligned and the numbers right-aligned, under a rule', () => {
    expect(table(['run', 'time s'], [['a', '1.00'], ['longer', '12.50']]).split('\n')).toEqual(['run     time s', '------  ------', 'a         1.00', 'longer   12.50']);
  });

  it('prints every row with its ratios', () => {
    const text = formatFlashTable([row({})]);
    expect(text).toMatch(/esp8266 921600 +kiln +zopfli +600888 +380000 +390000 +4\.30 +4\.23 +3\.13 +1\.017× +1\.017× +1\.374×/);
  });
});

describe('bench targets', () => {
  const kiln = row({});
  const peer = row({ client: 'esptool-js', compression: 'esptool-js', seconds: 4.8, ratioToBound: 1.13 });
  const slowKiln = row({ baud: 115200, label: 'esp8266 115200', seconds: 40, ratioToBound: 1.1 });
  const slowPeer = row({ baud: 115200, client: 'esptool-js', compression: 'esptool-js', seconds: 39 });
  const cliFull = row({ client: 'kiln CLI', compression: 'zlib 9', baud: 115200, seconds: 40 });
  const cliReflash = row({ client: 'kiln CLI', compression: 'zlib 9', baud: 115200, kind: 'reflash', seconds: 3.9 });
  const one = row({ boards: 1, seconds: 4.3 });
  const eight = row({ boards: 8, seconds: 4.9 });
  const reimage = row({ boards: 8, kind: 'reflash', seconds: 0.4 });

  const targets = judgeTargets({
    rows: [kiln, peer, slowKiln, slowPeer],
    compression: [{ chip: 'esp8266', imageBytes: 600_888, zlib9Bytes: 400_000, zopfliBytes: 381_000, zopfliSeconds: 4, esptoolJsBytes: 401_000 }],
    reflash: [{ what: 'cli', full: cliFull, reflash: cliReflash }],
    boards: [one, eight, reimage],
  });
  const verdict = (name: RegExp) => targets.find((t) => name.test(t.name));

  it('judges each target from its rows: pass and fail both reported', () => {
    expect(verdict(/0\.95 × Node zlib 9/)).toMatchObject({ pass: false, measured: expect.stringMatching(/^0\.9525× \(381000 vs 400000 B\)$/) });
    expect(verdict(/re-flash of an identical board/)).toMatchObject({ pass: true, measured: '0.098×' });
    expect(verdict(/Kiln esp8266 921600: wall ≤ 1\.02/)).toMatchObject({ pass: true });
    expect(verdict(/Kiln esp8266 115200: wall ≤ 1\.02/)).toMatchObject({ pass: false });
    expect(verdict(/ahead of esptool-js, esp8266 921600/)).toMatchObject({ pass: true });
    expect(verdict(/ahead of esptool-js, esp8266 115200/)).toMatchObject({ pass: false });
    expect(verdict(/8 boards at once ≤ 1\.10/)).toMatchObject({ pass: false, measured: '1.140×' });
    expect(verdict(/re-imaging 8 boards/)).toMatchObject({ pass: true, measured: '0.082×' });
    expect(formatTargets(targets)).toMatch(/^FAIL {2}ESP8266 image/m);
  });

  it('pairs Kiln with the peer at the same chip and baud only', () => {
    const pairs = sideBySide([kiln, peer, row({ chip: 'esp32', label: 'esp32 921600' })]);
    expect(pairs.map((p) => [p.chip, p.peer?.seconds ?? null])).toEqual([
      ['esp8266', 4.8],
      ['esp32', null],
    ]);
  });
});
