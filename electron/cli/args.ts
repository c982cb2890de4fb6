/**
 * The command line, esptool-style: `kiln [options] VERB [ARGS…]`. Parsed with node's util.parseArgs;
 * anything wrong becomes a UsageError (exit code 2) with a message saying what was expected.
 */
import { parseArgs } from 'node:util';
import { parseSize } from '../../shared/format';
import type { FlashFreq, FlashMode, FlashSizeName } from '../esp/image';
import type { AfterAction, BeforeAction } from '../esp/reset';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const VERBS = ['chip-id', 'flash-id', 'read-mac', 'write-flash', 'verify-flash', 'read-flash', 'erase-flash', 'erase-region'] as const;
export type Verb = (typeof VERBS)[number];

export interface FilePair {
  offset: number;
  file: string;
}

export type Command =
  | { verb: 'chip-id' | 'flash-id' | 'read-mac' | 'erase-flash' }
  | { verb: 'write-flash' | 'verify-flash'; files: FilePair[] }
  | { verb: 'read-flash'; offset: number; size: number | 'all'; file: string }
  | { verb: 'erase-region'; offset: number; size: number };

export interface CliOptions {
  port: string | null;
  baud: number;
  before: BeforeAction;
  after: AfterAction;
  flashSize: 'detect' | 'keep' | FlashSizeName;
  flashMode: FlashMode | 'keep';
  flashFreq: FlashFreq | 'keep';
  noStub: boolean;
  compress: boolean | undefined;
  verify: boolean;
  help: boolean;
}

export const DEFAULT_BAUD = 460800;

export const USAGE = `Usage: kiln [options] <command> [arguments]

Commands:
  chip-id                          Show the chip, its features, crystal and MAC
  flash-id                         Show the flash chip's maker, id and size
  read-mac                         Show the MAC address
  write-flash OFFSET FILE [...]    Write files at offsets (compressed, then MD5-verified)
  verify-flash OFFSET FILE [...]   Compare flash with files (by MD5)
  read-flash OFFSET SIZE FILE      Save flash contents to FILE (SIZE may be "all")
  erase-flash                      Erase the whole flash
  erase-region OFFSET SIZE         Erase a region (multiples of 0x1000)
  backup create|list|restore|export  The backup library (kiln backup --help)

Options:
  -p, --port PATH        Serial port (/dev/ttyUSB0, COM3, a pty) or virtual:esp8266 / virtual:esp32
  -b, --baud N           Baud rate for the transfer (default ${DEFAULT_BAUD})
      --before MODE      default-reset | usb-reset | no-reset (default default-reset)
      --after MODE       hard-reset | no-reset (default hard-reset)
      --flash-size SIZE  keep | detect | 512KB | 1MB | 2MB | 4MB | 8MB | 16MB ... (default keep)
      --flash-mode MODE  keep | qio | qout | dio | dout (default keep)
      --flash-freq FREQ  keep | 80m | 40m | 26m | 20m (default keep)
      --no-stub          Use the ROM loader only (slower; read-flash on the ESP32 family only)
      --no-compress      Send data uncompressed
      --no-verify        Skip the MD5 check after writing
  -h, --help             Show this help

Offsets and sizes accept 0x1000, 4096, 4K, 1M.`;

const BEFORE: readonly BeforeAction[] = ['default-reset', 'usb-reset', 'no-reset'];
const AFTER: readonly AfterAction[] = ['hard-reset', 'no-reset'];
const MODES: readonly (FlashMode | 'keep')[] = ['keep', 'qio', 'qout', 'dio', 'dout'];
const FREQS: readonly (FlashFreq | 'keep')[] = ['keep', '80m', '40m', '26m', '20m'];
const SIZES = ['256KB', '512KB', '1MB', '2MB', '2MB-c1', '4MB', '4MB-c1', '8MB', '16MB', '32MB', '64MB', '128MB'] as const;

function oneOf<T extends string>(value: string, allowed: readonly T[], option: string): T {
  const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (!match) throw new UsageError(`--${option} must be one of ${allowed.join(', ')} (got "${value}").`);
  return match;
}

function number(text: string, what: string): number {
  const value = parseSize(text);
  if (value === null) throw new UsageError(`${what} "${text}" is not a number (use e.g. 0x1000, 4096, 64K, 1M).`);
  return value;
}

export function parseCommandLine(argv: readonly string[]): { options: CliOptions; command: Command | null } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: 'string', short: 'p' },
        baud: { type: 'string', short: 'b' },
        before: { type: 'string' },
        after: { type: 'string' },
        'flash-size': { type: 'string' },
        'flash-mode': { type: 'string' },
        'flash-freq': { type: 'string' },
        'no-stub': { type: 'boolean' },
        'no-compress': { type: 'boolean' },
        compress: { type: 'boolean' },
        'no-verify': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.replace(/^TypeError[^:]*: /, '') : String(error));
  }
  const { values, positionals } = parsed;
  const baud = values.baud === undefined ? DEFAULT_BAUD : Number(values.baud);
  if (!Number.isSafeInteger(baud) || baud < 9600 || baud > 5_000_000) throw new UsageError(`--baud "${values.baud}" is not a usable baud rate.`);
  const flashSizeText = values['flash-size'] ?? 'keep';
  const flashSize = ['keep', 'detect'].includes(flashSizeText.toLowerCase())
    ? (flashSizeText.toLowerCase() as 'keep' | 'detect')
    : (oneOf(flashSizeText, SIZES, 'flash-size') as FlashSizeName);
  const options: CliOptions = {
    port: values.port ?? null,
    baud,
    before: oneOf(values.before ?? 'default-reset', BEFORE, 'before'),
    after: oneOf(values.after ?? 'hard-reset', AFTER, 'after'),
    flashSize,
    flashMode: oneOf(values['flash-mode'] ?? 'keep', MODES, 'flash-mode'),
    flashFreq: oneOf(values['flash-freq'] ?? 'keep', FREQS, 'flash-freq'),
    noStub: values['no-stub'] ?? false,
    compress: values['no-compress'] ? false : values.compress ? true : undefined,
    verify: !(values['no-verify'] ?? false),
    help: values.help ?? false,
  };
  if (options.help || positionals.length === 0) return { options, command: null };
  return { options, command: parseVerb(positionals) };
}

function parseVerb(positionals: string[]): Command {
  const [verbText, ...rest] = positionals;
  const verb = VERBS.find((v) => v === verbText?.toLowerCase().replace(/_/g, '-'));
  if (!verb) throw new UsageError(`Unknown command "${verbText}". Commands: ${VERBS.join(', ')}.`);
  switch (verb) {
    case 'chip-id':
    case 'flash-id':
    case 'read-mac':
    case 'erase-flash':
      if (rest.length > 0) throw new UsageError(`${verb} takes no arguments.`);
      return { verb };
    case 'write-flash':
    case 'verify-flash': {
      if (rest.length === 0 || rest.length % 2 !== 0) throw new UsageError(`${verb} needs pairs of OFFSET FILE, e.g. ${verb} 0x1000 firmware.bin`);
      const files: FilePair[] = [];
      for (let i = 0; i < rest.length; i += 2) files.push({ offset: number(rest[i]!, 'Offset'), file: rest[i + 1]! });
      return { verb, files };
    }
    case 'read-flash': {
      if (rest.length !== 3) throw new UsageError('read-flash needs OFFSET SIZE FILE, e.g. read-flash 0 4M backup.bin');
      const size = rest[1]!.toLowerCase() === 'all' ? 'all' : number(rest[1]!, 'Size');
      return { verb, offset: number(rest[0]!, 'Offset'), size, file: rest[2]! };
    }
    case 'erase-region':
      if (rest.length !== 2) throw new UsageError('erase-region needs OFFSET SIZE, e.g. erase-region 0x9000 0x6000');
      return { verb, offset: number(rest[0]!, 'Offset'), size: number(rest[1]!, 'Size') };
  }
}
