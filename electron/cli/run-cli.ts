/**
 * The `kiln` command line, callable in process (tests) or from main.ts. Exit codes: 0 done,
 * 1 the operation failed, 2 the command line was wrong. Errors print as one readable message,
 * never a stack trace.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes, formatHex32 } from '../../shared/format';
import { formatMac } from '../esp/chips';
import { esp8266ChipId } from '../esp/chips/esp8266';
import { EspError } from '../esp/errors';
import { writeFileAtomic } from '../fs/atomic-file';
import { detect, eraseFlash, eraseRegion, hardReset, readFlash, verifyFlash, writeFlash, type FlashImage, type WriteFlashOptions } from '../esp/operations';
import { openSession, type EspSession, type SessionOptions } from '../esp/session';
import type { Link } from '../serial/link';
import { LinkClosedError } from '../serial/link';
import { listPorts, type PortDescription } from '../serial/ports';
import { openPort } from '../services/port-sources';
import { USAGE, UsageError, parseCommandLine, type CliOptions, type Command } from './args';
import { ProgressPrinter, type TextOutput } from './progress-bar';
import { replVerbOf, runReplVerb } from './repl-verbs';

export interface CliIo {
  stdout: TextOutput;
  stderr: TextOutput;
  openLink?: (path: string, baud: number) => Promise<Link>;
  listPorts?: () => Promise<PortDescription[]>;
  /** Ctrl-C: operations stop between blocks. */
  signal?: AbortSignal;
  /** Extra session settings (tests: fewer connect attempts). */
  sessionOptions?: Partial<SessionOptions>;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // The MicroPython verbs (repl, exec, run, fs, reset) parse their own arguments.
  if (replVerbOf(argv) !== null) return runReplVerb(argv, io);
  let options: CliOptions;
  let command: Command | null;
  try {
    ({ options, command } = parseCommandLine(argv));
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${error.message}\n\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  if (!command) {
    (options.help ? io.stdout : io.stderr).write(`${USAGE}\n`);
    return options.help ? EXIT_OK : EXIT_USAGE;
  }

  const printer = new ProgressPrinter(io.stdout);
  const say = (text: string): void => {
    printer.endBar();
    io.stdout.write(`${text}\n`);
  };
  let link: Link | null = null;
  let session: EspSession | null = null;
  try {
    // Everything that can be checked without a board is checked first.
    const images = command.verb === 'write-flash' || command.verb === 'verify-flash' ? await loadImages(command.files) : [];
    const port = options.port ?? (await choosePort(io));
    say(`Serial port ${port}`);
    link = await (io.openLink ?? openPort)(port, 115200);
    session = await openSession(link, {
      baudRate: options.baud,
      before: options.before,
      useStub: !options.noStub,
      usbJtagSerial: options.before === 'usb-reset',
      onProgress: printer.update,
      onWarning: (message) => {
        printer.endBar();
        io.stderr.write(`Warning: ${message}\n`);
      },
      ...(io.signal ? { signal: io.signal } : {}),
      ...io.sessionOptions,
    });
    if (session.stubState === 'already-running') say('The flasher stub is already running; not uploading it again.');
    say(`Connected to ${session.chip.name}${session.usingStub ? ' (flasher stub running)' : ' (ROM loader only)'} at ${session.baudRate} baud`);
    const context = { onProgress: printer.update, ...(io.signal ? { signal: io.signal } : {}) };
    const code = await runVerb(command, session, options, images, context, say);
    if (options.after === 'hard-reset') {
      const method = await hardReset(session);
      say(method === 'modem-lines' ? 'Hard resetting via RTS pin...' : 'Asked the loader to start the program (this port has no RTS line).');
    }
    await session.close('no-reset');
    return code;
  } catch (error) {
    printer.endBar();
    if (error instanceof UsageError) {
      io.stderr.write(`${error.message}\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`A fatal error occurred: ${describeError(error)}\n`);
    return EXIT_FAILED;
  } finally {
    if (link?.isOpen) await link.close().catch(() => {});
  }
}

function describeError(error: unknown): string {
  if (error instanceof EspError || error instanceof LinkClosedError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

async function loadImages(files: { offset: number; file: string }[]): Promise<FlashImage[]> {
  const images: FlashImage[] = [];
  for (const { offset, file } of files) {
    try {
      images.push({ offset, data: new Uint8Array(await readFile(file)), name: path.basename(file) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(code === 'ENOENT' ? `File not found: ${file}` : `Cannot read ${file}: ${(error as Error).message}`);
    }
  }
  return images;
}

/** Without --port: the one recognised USB-serial adapter, if there is exactly one. */
async function choosePort(io: CliIo): Promise<string> {
  const ports = await (io.listPorts ?? (() => listPorts()))();
  const candidates = ports.filter((p) => p.adapter !== null);
  if (candidates.length === 1) return candidates[0]!.path;
  if (candidates.length === 0) throw new UsageError('No board found. Plug one in, or name the port with --port (or --port virtual:esp32 to try a virtual board).');
  throw new UsageError(`Several boards found (${candidates.map((p) => p.path).join(', ')}). Choose one with --port.`);
}

type Say = (text: string) => void;
type Context = { onProgress: ProgressPrinter['update']; signal?: AbortSignal };

async function runVerb(command: Command, session: EspSession, options: CliOptions, images: FlashImage[], context: Context, say: Say): Promise<number> {
  switch (command.verb) {
    case 'chip-id': {
      const info = await detect(session, context);
      say(`Chip is ${info.description}`);
      say(`Features: ${info.features.join(', ')}`);
      say(`Crystal is ${info.crystalMHz}MHz`);
      say(`MAC: ${info.mac}`);
      if (session.chip.family === 'esp8266') say(`Chip ID: ${formatHex32(await esp8266ChipId(session.readReg))}`);
      return EXIT_OK;
    }
    case 'read-mac':
      say(`MAC: ${formatMac(await session.chip.readMac(session.readReg))}`);
      return EXIT_OK;
    case 'flash-id': {
      const flash = await session.flashInfo();
      if (!flash) {
        say('No flash chip answered (JEDEC id all ones or zeros).');
        return EXIT_FAILED;
      }
      say(`Manufacturer: ${flash.manufacturerId.toString(16).padStart(2, '0')} (${flash.vendor})`);
      say(`Device: ${flash.deviceId.toString(16).padStart(4, '0')}${flash.model ? ` (${flash.model})` : ''}`);
      say(`Detected flash size: ${flash.sizeBytes === null ? 'unknown' : formatBytes(flash.sizeBytes)}`);
      return EXIT_OK;
    }
    case 'write-flash': {
      const writeOptions: WriteFlashOptions = { flashSize: options.flashSize, verify: options.verify };
      if (options.flashMode !== 'keep') writeOptions.flashMode = options.flashMode;
      if (options.flashFreq !== 'keep') writeOptions.flashFreq = options.flashFreq;
      if (options.compress !== undefined) writeOptions.compress = options.compress;
      const started = Date.now();
      const result = await writeFlash(session, images, writeOptions, context);
      const seconds = (Date.now() - started) / 1000;
      for (const region of result.regions) {
        const sent = result.compressed ? ` (${formatBytes(region.sentBytes)} compressed)` : '';
        say(`Wrote ${formatBytes(region.size)}${sent} at ${formatHex32(region.offset)}.`);
        if (region.verified) say(`Hash of data verified (${region.md5}).`);
      }
      say(`Done in ${seconds.toFixed(1)} s.`);
      return EXIT_OK;
    }
    case 'verify-flash': {
      const results = await verifyFlash(session, images, context);
      let ok = true;
      for (const result of results) {
        ok &&= result.matches;
        say(`${formatHex32(result.offset)} (${formatBytes(result.size)}): ${result.matches ? 'OK' : `DIFFERENT (flash MD5 ${result.actual}, file ${result.expected})`}`);
      }
      say(ok ? 'Verification successful.' : 'Verification failed: the flash does not match.');
      return ok ? EXIT_OK : EXIT_FAILED;
    }
    case 'read-flash': {
      const size = command.size === 'all' ? await allOfFlash(session, command.offset) : command.size;
      const started = Date.now();
      const data = await readFlash(session, command.offset, size, context);
      await writeFileAtomic(command.file, data);
      say(`Read ${formatBytes(data.length)} from ${formatHex32(command.offset)} into ${command.file} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
      return EXIT_OK;
    }
    case 'erase-flash':
      await eraseFlash(session, context);
      say('Flash erased.');
      return EXIT_OK;
    case 'erase-region':
      await eraseRegion(session, command.offset, command.size, context);
      say(`Erased ${formatBytes(command.size)} at ${formatHex32(command.offset)}.`);
      return EXIT_OK;
  }
}

async function allOfFlash(session: EspSession, offset: number): Promise<number> {
  const size = await session.flashSize();
  if (size === null) throw new EspError('unknown-flash-size', 'The flash size is unknown; give SIZE as a number instead of "all".');
  return size - offset;
}

