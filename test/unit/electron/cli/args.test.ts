import { describe, expect, it } from 'vitest';
import { DEFAULT_BAUD, UsageError, parseCommandLine } from '../../../../electron/cli/args';

describe('CLI arguments', () => {
  it('parses write-flash with options and offset/file pairs', () => {
    const { options, command } = parseCommandLine(['--port', 'virtual:esp32', '-b', '921600', '--flash-size', '4mb', '--flash-mode', 'DIO', 'write-flash', '0x1000', 'a.bin', '64K', 'b.bin']);
    expect(options).toMatchObject({ port: 'virtual:esp32', baud: 921600, flashSize: '4MB', flashMode: 'dio', flashFreq: 'keep', before: 'default-reset', after: 'hard-reset', noStub: false, verify: true });
    expect(command).toEqual({ verb: 'write-flash', files: [{ offset: 0x1000, file: 'a.bin' }, { offset: 0x10000, file: 'b.bin' }] });
  });

  it('accepts esptool-style underscores and the defaults', () => {
    const { options, command } = parseCommandLine(['read_flash', '0', 'all', 'out.bin']);
    expect(command).toEqual({ verb: 'read-flash', offset: 0, size: 'all', file: 'out.bin' });
    expect(options.baud).toBe(DEFAULT_BAUD);
    expect(parseCommandLine(['--no-stub', '--before', 'no-reset', '--after', 'no-reset', 'chip-id']).options).toMatchObject({ noStub: true, before: 'no-reset', after: 'no-reset' });
  });

  it('returns no command for --help or no arguments', () => {
    expect(parseCommandLine(['--help']).command).toBeNull();
    expect(parseCommandLine([]).command).toBeNull();
  });

  it.each([
    [['frobnicate'], /Unknown command/],
    [['write-flash', '0x1000'], /pairs of OFFSET FILE/],
    [['write-flash', 'zero', 'a.bin'], /is not a number/],
    [['erase-region', '0'], /OFFSET SIZE/],
    [['--before', 'sometimes', 'chip-id'], /--before must be one of/],
    [['--baud', 'fast', 'chip-id'], /not a usable baud/],
    [['--flash-size', '3MB', 'write-flash', '0', 'a'], /--flash-size must be keep, detect, one of/],
    [['--colour', 'chip-id'], /does not know the option --colour/],
    [['chip-id', 'extra'], /takes no arguments/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});
