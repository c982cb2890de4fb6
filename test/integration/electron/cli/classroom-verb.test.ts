/** `kiln classroom` in process: station mode with Demo boards from a list, one line per board event. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { patchImageHeader } from '../../../../electron/esp/image';
import { boardFor, closeVirtualPorts, setVirtualBoardDefaults } from '../../../../electron/virtual-board/access/virtual-ports';
import { makeFirmware } from '../../../fixtures/firmware/fake-micropython';
import { runKiln } from './run-kiln';

let dir: string;
const image = makeFirmware('esp32', 64 * 1024, 11);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-cli-classroom-'));
  setVirtualBoardDefaults({ linkModel: false });
  await writeFile(join(dir, 'esp32.bin'), image);
  await writeFile(join(dir, 'recipe.json'), JSON.stringify({ firmware: 'esp32.bin', baud: 460800 }));
});

afterEach(async () => {
  await closeVirtualPorts();
  setVirtualBoardDefaults({});
  await rm(dir, { recursive: true, force: true });
});

async function kiln(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return runKiln(argv, { pollIntervalMs: 100, noHardwarePorts: true });
}

describe('kiln classroom', () => {
  it('writes each matching board as it appears, skips the other chip, prints one line per event, and stops after --once N', async () => {
    await writeFile(
      join(dir, 'boards.json'),
      JSON.stringify([
        { chip: 'esp32', name: 'one', flashSize: 1048576 },
        { chip: 'esp8266', name: 'two' },
        { chip: 'esp32', name: 'three', flashSize: 1048576, appearAfterMs: 400, unplugAtByte: 30000, replugAfterMs: 300 },
      ]),
    );
    const result = await kiln('classroom', '--recipe', join(dir, 'recipe.json'), '--demo-boards', join(dir, 'boards.json'), '--data-dir', join(dir, 'data'), '--once', '3');
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const lines = result.out.trim().split('\n');
    expect(lines[0]).toMatch(/^Station ready: esp32\.bin for the ESP32 \(sha256 [0-9a-f]{16}…\), 8 at a time\./);
    expect(lines.filter((line) => line.startsWith('attached '))).toHaveLength(4); // three boards, one of them twice
    expect(lines).toContainEqual(expect.stringMatching(/^skipped {4}virtual:esp8266:two \S+: This is an ESP8266; the recipe's firmware is for the ESP32\. Skipped\.$/));
    expect(lines).toContainEqual(expect.stringMatching(/^unplugged {2}virtual:esp32:three \S+: plug it back in to retry/));
    expect(lines).toContainEqual(expect.stringMatching(/^started {4}virtual:esp32:three \S+ \(attempt 2\)$/));
    expect(lines.filter((line) => /^done {7}virtual:esp32:(one|three) \S+ in \d+\.\d s: \d+(\.\d)? KiB sent(, \d+(\.\d)? KiB already up to date)?$/.test(line))).toHaveLength(2);
    expect(lines.at(-1)).toBe('Stopped: 2 boards done, 0 failed, 4 attempts in the report.');
    const expected = patchImageHeader(image, 'esp32', { flashSize: '1MB' });
    expect((await boardFor('virtual:esp32:one')).readFlash(0x1000, image.length)).toEqual(expected);
    expect((await boardFor('virtual:esp32:three')).readFlash(0x1000, image.length)).toEqual(expected);
  });

  it('refuses a bad recipe or option with the reason and exit code 2, before any board', async () => {
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ firmware: 'esp32.bin', baud: 12345 }));
    const bad = await kiln('classroom', '--recipe', join(dir, 'bad.json'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/is not valid: baud: must be one of 115200/);
    expect((await kiln('classroom')).err).toMatch(/Say which recipe to use/);
    expect((await kiln('classroom', '--recipe', join(dir, 'recipe.json'), '--once', '0')).err).toMatch(/--once "0" must be a whole number/);
    expect((await kiln('classroom', '--recipe', join(dir, 'missing.json'))).err).toMatch(/missing\.json does not exist/);
  });

  it('says when the firmware file is missing (exit 1)', async () => {
    await writeFile(join(dir, 'nofw.json'), JSON.stringify({ firmware: 'nope.bin' }));
    const result = await kiln('classroom', '--recipe', join(dir, 'nofw.json'), '--data-dir', join(dir, 'data'));
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/nope\.bin/);
  });
});
