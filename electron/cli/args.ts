/**
 * The command line: `kiln [options] VERB [ARGS…] [options]`, taking what esptool v2 to v5 take.
 * Spellings are normalised first (verbs and options with `_` or `-`, esptool's two-letter short
 * forms -fm/-ff/-fs, legacy megabit flash sizes, before/after values with `_`), then node's
 * util.parseArgs does the parsing. Anything wrong becomes a UsageError (exit code 2) saying what
 * was expected, and an unknown option names the nearest known one.
 */
import { parseArgs } from 'node:util';
import { CHIP_FAMILIES, type ChipFamily } from '../../shared/types/chips';
import { parseSize } from '../../shared/format';
import type { FlashFreq, FlashMode, FlashSizeName } from '../esp/image';
import type { AfterAction, BeforeAction } from '../esp/reset';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const VERBS = [
  'chip-id',
  'flash-id',
  'read-mac',
  'write-flash',
  'verify-flash',
  'read-flash',
  'erase-flash',
  'erase-region',
  'image-info',
  'merge-bin',
  'version',
] as const;
export type Verb = (typeof VERBS)[number];

/** Verbs that never open a port. */
export const BOARD_FREE_VERBS: ReadonlySet<Verb> = new Set(['image-info', 'merge-bin', 'version']);

export interface FilePair {
  offset: number;
  file: string;
}

export type Command =
  | { verb: 'chip-id' | 'flash-id' | 'read-mac' | 'erase-flash' | 'version' }
  | { verb: 'write-flash' | 'verify-flash'; files: FilePair[] }
  | { verb: 'read-flash'; offset: number; size: number | 'all'; file: string }
  | { verb: 'erase-region'; offset: number; size: number }
  | { verb: 'image-info'; file: string }
  | { verb: 'merge-bin'; output: string; files: FilePair[] };

export interface CliOptions {
  port: string | null;
  /** A rate, or 'auto': the fastest the port's adapter sustains that passes a link check (link-speed.ts). */
  baud: number | 'auto';
  /** --chip: the chip the board must be ('auto': whatever it is). */
  chip: ChipFamily | 'auto';
  before: BeforeAction;
  after: AfterAction;
  flashSize: 'detect' | 'keep' | FlashSizeName;
  flashMode: FlashMode | 'keep';
  flashFreq: FlashFreq | 'keep';
  noStub: boolean;
  compress: boolean | undefined;
  verify: boolean;
  /** --no-diff: rewrite every sector, even those the board already holds. */
  diff: boolean;
  force: boolean;
  eraseAll: boolean;
  json: boolean;
  /** --no-progress: no progress bar or progress lines, only results. */
  noProgress: boolean;
  /** A virtual board's flash file (default: one per board name in the data dir). */
  flashFile: string | null;
  dataDir: string | null;
  /** merge_bin: where the output will be flashed, and the size to pad it to. */
  targetOffset: number;
  fillFlashSize: number | null;
  connectAttempts: number | null;
  help: boolean;
}

export const DEFAULT_BAUD = 460800;

export const USAGE = `Usage: kiln [options] <command> [arguments]     (esptool spellings work too)

Commands (write them with - or _: write-flash or write_flash):
  chip-id                          Show the chip, its features, crystal and MAC
  flash-id                         Show the flash chip's maker, id and size
  read-mac                         Show the MAC address
  write-flash OFFSET FILE [...]    Write files at offsets (compressed, then MD5-verified)
  verify-flash OFFSET FILE [...]   Compare flash with files (by MD5)
  read-flash OFFSET SIZE FILE      Save flash contents to FILE (SIZE may be "all")
  erase-flash                      Erase the whole flash
  erase-region OFFSET SIZE         Erase a region (multiples of 0x1000)
  image-info FILE                  Describe a firmware image (chip, segments, flash settings, checksum)
  merge-bin -o OUT OFFSET FILE ... Combine files into one image, gaps filled with 0xFF
  version                          Show Kiln's version
  backup create|list|restore|export  The backup library (kiln backup --help)
  classroom --recipe FILE          Station mode: write every board plugged in (kiln classroom --help)

Options (before or after the command; --opt VALUE or --opt=VALUE; _ or - in names):
  -p, --port PATH           Serial port (/dev/ttyUSB0, COM3, a pty) or a virtual board (below).
                            Without it: the only serial port there is, or a list to choose from
  -b, --baud N|auto         Baud rate for the transfer (default ${DEFAULT_BAUD}); auto: the fastest the
                            USB adapter allows that passes a link check, stepping down if data arrives damaged
  -c, --chip CHIP           auto | esp8266 | esp32 | esp32c3 | esp32s2 | esp32s3: refuse any other chip
      --before MODE         default-reset | usb-reset | no-reset | no-reset-no-sync
      --after MODE          hard-reset | soft-reset | no-reset | no-reset-stub
  -fs, --flash-size SIZE    keep | detect | 256KB ... 16MB, or esptool v2's megabits 4m (512KB) 8m 16m 32m
                            16m-c1 32m-c1 (default keep)
  -fm, --flash-mode MODE    keep | qio | qout | dio | dout (default keep)
  -ff, --flash-freq FREQ    keep | 80m | 40m | 26m | 20m (default keep)
  -e, --erase-all           write-flash: erase the whole flash first (after every check has passed)
  -z, --compress            Send data compressed (the default where the loader can inflate)
  -u, --no-compress         Send data uncompressed
      --verify              Accepted for esptool; Kiln always verifies by MD5
      --no-verify           Skip the MD5 check after writing
      --no-diff             Rewrite every sector (by default Kiln asks the board for MD5s and
                            writes only the 4 KiB sectors it does not already hold)
      --force               Write an image the checks refuse (wrong chip, not a valid image at the
                            bootloader offset); never a file that does not fit the flash
      --no-stub             Use the ROM loader only (slower; read-flash on the ESP32 family only)
  -o, --output FILE         merge-bin: the file to write
      --target-offset N     merge-bin: the offset the output will be written at (default 0)
      --fill-flash-size SIZE  merge-bin: pad the output with 0xFF to this size
      --json                One JSON object per result on stdout, for programs
      --no-progress         No progress bar or progress lines
      --flash-file FILE     A virtual board's flash file
      --data-dir DIR        Kiln's data folder (default: $KILN_DATA_DIR or the app's)
  -h, --help                Show this help

Virtual boards: --port virtual:esp32, virtual:esp8266, virtual:esp32c3 ..., with a name after a
second colon (virtual:esp32:desk). A name that is a size sets the flash size (virtual:esp8266:512KB;
default 4MB). Each virtual board keeps its flash between runs in the data folder
(<data-dir>/virtual-boards/<name>.bin), or in the file --flash-file names.

Offsets and sizes accept 0x1000, 4096, 4K, 1M.`;

const BEFORE: readonly BeforeAction[] = ['default-reset', 'usb-reset', 'no-reset'];
const AFTER: readonly AfterAction[] = ['hard-reset', 'no-reset'];
const MODES: readonly (FlashMode | 'keep')[] = ['keep', 'qio', 'qout', 'dio', 'dout'];
const FREQS: readonly (FlashFreq | 'keep')[] = ['keep', '80m', '40m', '26m', '20m'];
const SIZES = ['256KB', '512KB', '1MB', '2MB', '2MB-c1', '4MB', '4MB-c1', '8MB', '16MB', '32MB', '64MB', '128MB'] as const;
/** esptool v2 named ESP8266 sizes in megabits. */
const LEGACY_SIZES: Readonly<Record<string, FlashSizeName>> = {
  '2m': '256KB',
  '4m': '512KB',
  '8m': '1MB',
  '16m': '2MB',
  '32m': '4MB',
  '16m-c1': '2MB-c1',
  '32m-c1': '4MB-c1',
  '64m': '8MB',
  '128m': '16MB',
};
/** Chips esptool knows that Kiln does not flash (yet). */
const OTHER_CHIPS = ['esp32c2', 'esp32c5', 'esp32c6', 'esp32c61', 'esp32h2', 'esp32h4', 'esp32p4', 'esp32s3beta2', 'esp32h2beta1', 'esp32c6beta'];

const OPTIONS = {
  port: { type: 'string', short: 'p' },
  baud: { type: 'string', short: 'b' },
  chip: { type: 'string', short: 'c' },
  before: { type: 'string' },
  after: { type: 'string' },
  'flash-size': { type: 'string' },
  'flash-mode': { type: 'string' },
  'flash-freq': { type: 'string' },
  'no-stub': { type: 'boolean' },
  compress: { type: 'boolean', short: 'z' },
  'no-compress': { type: 'boolean', short: 'u' },
  verify: { type: 'boolean' },
  'no-verify': { type: 'boolean' },
  'no-diff': { type: 'boolean' },
  'erase-all': { type: 'boolean', short: 'e' },
  force: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  'target-offset': { type: 'string' },
  'fill-flash-size': { type: 'string' },
  format: { type: 'string' },
  json: { type: 'boolean' },
  'flash-file': { type: 'string' },
  'data-dir': { type: 'string' },
  'connect-attempts': { type: 'string' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/** esptool's two-letter short forms, which parseArgs would read as two one-letter flags. */
const TWO_LETTER_SHORTS: Readonly<Record<string, string>> = { '-fm': '--flash-mode', '-ff': '--flash-freq', '-fs': '--flash-size' };

/** esptool options Kiln deliberately does not take, with why. */
const NOT_SUPPORTED: Readonly<Record<string, string>> = {
  encrypt: 'Kiln does not write encrypted flash.',
  'encrypt-files': 'Kiln does not write encrypted flash.',
  'ignore-flash-encryption-efuse-setting': 'Kiln does not write encrypted flash.',
  'spi-connection': 'Kiln uses the chip\'s default SPI flash pins.',
  trace: 'Kiln has no protocol trace output.',
  'override-vddsdio': 'Kiln does not change VDDSDIO.',
};

/**
 * esptool spellings to the ones parseArgs is given: `--flash_size=4MB` -> `--flash-size=4MB`,
 * `-fm dio` -> `--flash-mode dio`. Values and positionals are left alone; after `--` nothing changes.
 */
export function normaliseSpellings(argv: readonly string[]): string[] {
  const out: string[] = [];
  let rest = false;
  for (const token of argv) {
    if (rest) {
      out.push(token);
    } else if (token === '--') {
      rest = true;
      out.push(token);
    } else if (token.startsWith('--')) {
      const equals = token.indexOf('=');
      const name = (equals < 0 ? token : token.slice(0, equals)).toLowerCase().replace(/_/g, '-');
      out.push(equals < 0 ? name : `${name}${token.slice(equals)}`);
    } else {
      const equals = token.indexOf('=');
      const head = equals < 0 ? token : token.slice(0, equals);
      const long = TWO_LETTER_SHORTS[head];
      out.push(long ? (equals < 0 ? long : `${long}${token.slice(equals)}`) : token);
    }
  }
  return out;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

export function nearest(word: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // Only a plausible typo is worth suggesting.
  return best !== null && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

function unknownOption(option: string): UsageError {
  const name = option.replace(/^-+/, '');
  if (NOT_SUPPORTED[name]) return new UsageError(`The option --${name} is not supported: ${NOT_SUPPORTED[name]}`);
  const longNames = Object.keys(OPTIONS);
  const shorts = Object.entries(OPTIONS).flatMap(([long, spec]) => ('short' in spec ? [[`-${spec.short}`, long] as const] : []));
  const suggestion = option.startsWith('--')
    ? nearest(name, longNames)
    : (nearest(option, [...shorts.map(([s]) => s), ...Object.keys(TWO_LETTER_SHORTS)]) ?? nearest(name, longNames));
  const spelled = suggestion === null ? null : suggestion.startsWith('-') ? suggestion : `--${suggestion}`;
  return new UsageError(`Kiln does not know the option ${option}.${spelled ? ` Did you mean ${spelled}?` : ''} (kiln --help lists them all.)`);
}

function oneOf<T extends string>(value: string, allowed: readonly T[], option: string): T {
  const wanted = value.toLowerCase().replace(/_/g, '-');
  const match = allowed.find((a) => a.toLowerCase() === wanted);
  if (!match) throw new UsageError(`--${option} must be one of ${allowed.join(', ')} (got "${value}").`);
  return match;
}

function number(text: string, what: string): number {
  const value = parseSize(text);
  if (value === null) throw new UsageError(`${what} "${text}" is not a number (use e.g. 0x1000, 4096, 64K, 1M).`);
  return value;
}

export function parseFlashSize(text: string): 'detect' | 'keep' | FlashSizeName {
  const lower = text.toLowerCase();
  if (lower === 'detect' || lower === 'keep') return lower;
  const legacy = LEGACY_SIZES[lower];
  if (legacy) return legacy;
  const match = SIZES.find((size) => size.toLowerCase() === lower || size.toLowerCase() === `${lower}b`);
  if (!match) {
    throw new UsageError(
      `--flash-size must be keep, detect, one of ${SIZES.join(', ')}, or a megabit size such as 4m or 32m (got "${text}").`,
    );
  }
  return match as FlashSizeName;
}

function parseChip(text: string): ChipFamily | 'auto' {
  const wanted = text.toLowerCase().replace(/[-_]/g, '');
  if (wanted === 'auto') return 'auto';
  const chip = CHIP_FAMILIES.find((c) => c === wanted);
  if (chip) return chip;
  if (OTHER_CHIPS.includes(wanted)) throw new UsageError(`Kiln does not flash the ${text} (yet). It knows ${CHIP_FAMILIES.join(', ')}.`);
  throw new UsageError(`--chip must be auto or one of ${CHIP_FAMILIES.join(', ')} (got "${text}").`);
}

function parseBefore(text: string): BeforeAction {
  // no_reset_no_sync: esptool skips the sync too; syncing a loader already listening is harmless.
  if (text.toLowerCase().replace(/_/g, '-') === 'no-reset-no-sync') return 'no-reset';
  return oneOf(text, BEFORE, 'before');
}

function parseAfter(text: string): AfterAction {
  const value = text.toLowerCase().replace(/_/g, '-');
  // soft_reset starts the program without pulsing EN, which is what Kiln's reset does on a port without RTS.
  if (value === 'soft-reset') return 'hard-reset';
  // Kiln's no-reset already leaves the flasher stub running for the next run.
  if (value === 'no-reset-stub') return 'no-reset';
  return oneOf(text, AFTER, 'after');
}

export function parseCommandLine(argv: readonly string[]): { options: CliOptions; command: Command | null } {
  let parsed;
  try {
    parsed = parseArgs({ args: normaliseSpellings(argv), allowPositionals: true, strict: true, options: OPTIONS });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw unknownOption(/'([^']+)'/.exec(message)?.[1] ?? message);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const option = /--([a-z-]+)/.exec(message)?.[1];
      throw new UsageError(option ? `--${option} needs a value (kiln --help shows which).` : message);
    }
    throw new UsageError(message);
  }
  const { values, positionals } = parsed;
  const baud = values.baud === undefined ? DEFAULT_BAUD : values.baud.toLowerCase() === 'auto' ? 'auto' : Number(values.baud);
  if (baud !== 'auto' && (!Number.isSafeInteger(baud) || baud < 9600 || baud > 5_000_000)) throw new UsageError(`--baud "${values.baud}" is not a usable baud rate (a number such as 460800, or auto).`);
  if (values.format !== undefined && values.format.toLowerCase() !== 'raw') {
    throw new UsageError(`merge-bin --format ${values.format} is not supported: Kiln writes raw binary images (--format raw).`);
  }
  let connectAttempts: number | null = null;
  if (values['connect-attempts'] !== undefined) {
    connectAttempts = Number(values['connect-attempts']);
    if (!Number.isSafeInteger(connectAttempts) || connectAttempts < 1) throw new UsageError('--connect-attempts must be a whole number of 1 or more.');
  }
  const options: CliOptions = {
    port: values.port ?? null,
    baud,
    chip: values.chip === undefined ? 'auto' : parseChip(values.chip),
    before: parseBefore(values.before ?? 'default-reset'),
    after: parseAfter(values.after ?? 'hard-reset'),
    flashSize: parseFlashSize(values['flash-size'] ?? 'keep'),
    flashMode: oneOf(values['flash-mode'] ?? 'keep', MODES, 'flash-mode'),
    flashFreq: oneOf(values['flash-freq'] ?? 'keep', FREQS, 'flash-freq'),
    noStub: values['no-stub'] ?? false,
    compress: values['no-compress'] ? false : values.compress ? true : undefined,
    verify: !(values['no-verify'] ?? false),
    diff: !(values['no-diff'] ?? false),
    force: values.force ?? false,
    eraseAll: values['erase-all'] ?? false,
    json: values.json ?? false,
    noProgress: values['no-progress'] ?? false,
    flashFile: values['flash-file'] ?? null,
    dataDir: values['data-dir'] ?? null,
    targetOffset: values['target-offset'] === undefined ? 0 : number(values['target-offset'], '--target-offset'),
    fillFlashSize: values['fill-flash-size'] === undefined ? null : fillSize(values['fill-flash-size']),
    connectAttempts,
    help: values.help ?? false,
  };
  if (values.compress && values['no-compress']) throw new UsageError('Give -z/--compress or -u/--no-compress, not both.');
  if (values.version && positionals.length === 0) return { options, command: { verb: 'version' } };
  if (options.help || positionals.length === 0) return { options, command: null };
  const command = parseVerb(positionals, values.output);
  if (command.verb !== 'merge-bin' && values.output !== undefined) throw new UsageError('-o/--output is for merge-bin; read-flash takes its FILE after OFFSET SIZE.');
  return { options, command };
}

function fillSize(text: string): number {
  const name = parseFlashSize(text);
  if (name === 'detect' || name === 'keep') throw new UsageError('--fill-flash-size needs a size, such as 4MB.');
  const match = /^(\d+)(KB|MB)/.exec(name)!;
  return Number(match[1]) * (match[2] === 'KB' ? 1024 : 1024 * 1024);
}

function pairs(verb: string, rest: string[]): FilePair[] {
  if (rest.length === 0 || rest.length % 2 !== 0) throw new UsageError(`${verb} needs pairs of OFFSET FILE, e.g. ${verb} 0x1000 firmware.bin`);
  const files: FilePair[] = [];
  for (let i = 0; i < rest.length; i += 2) files.push({ offset: number(rest[i]!, 'Offset'), file: rest[i + 1]! });
  return files;
}

function parseVerb(positionals: string[], output: string | undefined): Command {
  const [verbText = '', ...rest] = positionals;
  const wanted = verbText.toLowerCase().replace(/_/g, '-');
  const verb = VERBS.find((v) => v === wanted);
  if (!verb) {
    const suggestion = nearest(wanted, VERBS);
    throw new UsageError(`Unknown command "${verbText}".${suggestion ? ` Did you mean ${suggestion}?` : ''} Commands: ${VERBS.join(', ')}.`);
  }
  switch (verb) {
    case 'chip-id':
    case 'flash-id':
    case 'read-mac':
    case 'erase-flash':
    case 'version':
      if (rest.length > 0) throw new UsageError(`${verb} takes no arguments (got ${rest.join(' ')}).`);
      return { verb };
    case 'write-flash':
    case 'verify-flash':
      return { verb, files: pairs(verb, rest) };
    case 'read-flash': {
      if (rest.length !== 3) throw new UsageError('read-flash needs OFFSET SIZE FILE, e.g. read-flash 0 1048576 backup.img (SIZE may be "all").');
      const size = rest[1]!.toLowerCase() === 'all' ? 'all' : number(rest[1]!, 'Size');
      return { verb, offset: number(rest[0]!, 'Offset'), size, file: rest[2]! };
    }
    case 'erase-region':
      if (rest.length !== 2) throw new UsageError('erase-region needs OFFSET SIZE, e.g. erase-region 0x9000 0x6000');
      return { verb, offset: number(rest[0]!, 'Offset'), size: number(rest[1]!, 'Size') };
    case 'image-info':
      if (rest.length !== 1) throw new UsageError('image-info needs one FILE, e.g. image-info firmware.bin');
      return { verb, file: rest[0]! };
    case 'merge-bin':
      if (!output) throw new UsageError('merge-bin needs -o OUT, e.g. merge-bin -o merged.bin 0x1000 bootloader.bin 0x8000 partitions.bin 0x10000 app.bin');
      return { verb, output, files: pairs(verb, rest) };
  }
}
