/** esptool v2–v5 spellings parse to the same command and options. */
import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../../../../electron/cli/args';

const parse = (line: string) => parseCommandLine(line.split(' ').filter(Boolean));
const fails = (line: string): string => {
  try {
    parse(line);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`"${line}" parsed, but should not`);
};

describe('esptool spellings', () => {
  it('takes verbs and options with _ or -, = or a space, before or after the verb', () => {
    const spellings = [
      '--port /dev/ttyUSB0 --baud 460800 write_flash --flash_size=detect 0 fw.bin',
      '--port=/dev/ttyUSB0 -b 460800 write-flash --flash-size detect 0x0 fw.bin',
      'write_flash -p /dev/ttyUSB0 --flash_size detect --baud=460800 0 fw.bin',
      '-p /dev/ttyUSB0 write-flash -fs detect 0 fw.bin --baud 460800',
    ];
    for (const line of spellings) {
      const { options, command } = parse(line);
      expect(command, line).toEqual({ verb: 'write-flash', files: [{ offset: 0, file: 'fw.bin' }] });
      expect(options.port, line).toBe('/dev/ttyUSB0');
      expect(options.baud, line).toBe(460800);
      expect(options.flashSize, line).toBe('detect');
    }
  });

  it('knows the short forms -fm -ff -fs -z -u -e -c', () => {
    const { options } = parse('-c esp32 write_flash -z -e -fm dio -ff 40m -fs 4MB 0x1000 a.bin');
    expect(options).toMatchObject({ chip: 'esp32', compress: true, eraseAll: true, flashMode: 'dio', flashFreq: '40m', flashSize: '4MB' });
    expect(parse('write_flash -u 0 a.bin').options.compress).toBe(false);
    expect(parse('write_flash --no-compress 0 a.bin').options.compress).toBe(false);
    expect(parse('write_flash --verify 0 a.bin').options.verify).toBe(true);
    expect(parse('write_flash --force 0 a.bin').options.force).toBe(true);
    expect(parse('write_flash --no_progress 0 a.bin').options.noProgress).toBe(true);
  });

  it('maps esptool v2 megabit sizes and keeps detect/keep', () => {
    const sizes: Record<string, string> = { '4m': '512KB', '8m': '1MB', '16m': '2MB', '32m': '4MB', '16m-c1': '2MB-c1', '32m-c1': '4MB-c1', '4MB': '4MB', '1mb': '1MB', detect: 'detect', keep: 'keep' };
    for (const [given, meant] of Object.entries(sizes)) expect(parse(`write_flash --flash_size ${given} 0 a.bin`).options.flashSize, given).toBe(meant);
  });

  it('takes before/after values with _ or -', () => {
    expect(parse('--before default_reset --after hard_reset chip_id').options).toMatchObject({ before: 'default-reset', after: 'hard-reset' });
    expect(parse('--before no_reset_no_sync --after no_reset_stub chip_id').options).toMatchObject({ before: 'no-reset', after: 'no-reset' });
    expect(parse('--before usb-reset --after soft_reset chip_id').options).toMatchObject({ before: 'usb-reset', after: 'hard-reset' });
    expect(parse('--before no_reset --after no_reset chip_id').options).toMatchObject({ before: 'no-reset', after: 'no-reset' });
  });

  it('reads several OFFSET FILE pairs, decimal or hex', () => {
    expect(parse('write_flash 0x1000 boot.bin 32768 part.bin 0x10000 app.bin').command).toEqual({
      verb: 'write-flash',
      files: [
        { offset: 0x1000, file: 'boot.bin' },
        { offset: 0x8000, file: 'part.bin' },
        { offset: 0x10000, file: 'app.bin' },
      ],
    });
    expect(parse('read_flash 0 1048576 backup.img').command).toEqual({ verb: 'read-flash', offset: 0, size: 1048576, file: 'backup.img' });
    expect(parse('read_flash 0 ALL backup.img').command).toMatchObject({ size: 'all' });
  });

  it('knows the new verbs and --version', () => {
    expect(parse('image_info fw.bin').command).toEqual({ verb: 'image-info', file: 'fw.bin' });
    expect(parse('merge_bin -o out.bin 0x1000 a.bin 0x8000 b.bin').command).toEqual({
      verb: 'merge-bin',
      output: 'out.bin',
      files: [
        { offset: 0x1000, file: 'a.bin' },
        { offset: 0x8000, file: 'b.bin' },
      ],
    });
    expect(parse('version').command).toEqual({ verb: 'version' });
    expect(parse('--version').command).toEqual({ verb: 'version' });
  });

  it('checks --chip values', () => {
    for (const chip of ['auto', 'esp8266', 'esp32', 'esp32c3', 'esp32s2', 'esp32s3']) expect(parse(`--chip ${chip} chip_id`).options.chip).toBe(chip);
    expect(parse('--chip ESP32-S3 chip_id').options.chip).toBe('esp32s3');
    expect(fails('--chip esp32c6 chip_id')).toMatch(/does not flash the esp32c6/);
    expect(fails('--chip esp99 chip_id')).toMatch(/--chip must be auto or one of/);
  });

  it('names the nearest known option or command for a typo, in Kiln words', () => {
    expect(fails('write_flash --flsh_size detect 0 a.bin')).toMatch(/does not know the option --flsh-size\. Did you mean --flash-size\?/);
    expect(fails('--prot /dev/ttyUSB0 chip_id')).toMatch(/Did you mean --port\?/);
    expect(fails('write_flash --encrypt 0 a.bin')).toMatch(/--encrypt is not supported/);
    expect(fails('wirte_flash 0 a.bin')).toMatch(/Unknown command "wirte_flash"\. Did you mean write-flash\?/);
    expect(fails('--port')).toMatch(/--port needs a value/);
    for (const message of [fails('write_flash --frobnicate 0 a.bin'), fails('-q chip_id')]) expect(message).not.toMatch(/positional argument/);
  });
});
