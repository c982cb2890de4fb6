/**
 * The `kiln` command line, callable in process (tests) or from main.ts. Exit codes: 0 done,
 * 1 the operation failed or was refused, 2 the command line was wrong. Errors print as one
 * readable message, never a stack trace. Writes go through the write plan (electron/firmware/
 * write-plan.ts), the same checks the app makes.
 */
import { join } from 'node:path';
import { describeBaudNote, formatBytes, formatHex32 } from '../../shared/format';
import type { DeviceInfo, OperationProgress } from '../../shared/types/device';
import { CHIP_DISPLAY_NAMES } from '../../shared/types/chips';
import { KilnError } from '../../shared/types/errors';
import { formatMac } from '../esp/chips';
import { esp8266ChipId } from '../esp/chips/esp8266';
import { EspError } from '../esp/errors';
import { ImageError, flashSizeNameForBytes, parseImage, patchImageHeader, type FlashParams } from '../esp/image';
import { detect, eraseFlash, eraseRegion, hardReset, readFlash, verifyFlash, type WriteFlashOptions } from '../esp/operations';
import { openSession, type EspSession, type SessionOptions } from '../esp/session';
import { writeFileAtomic } from '../fs/atomic-file';
import { checkWriteRequest, executeWritePlan, readInputFile, WriteRefusedError, type PlannedImage } from '../firmware/write-plan';
import { CompressedStreamStore, type StreamCompressor } from '../firmware/compressed-streams';
import { padToWord } from '../esp/operations/regions';
import type { Link } from '../serial/link';
import { LinkClosedError } from '../serial/link';
import { listPorts, openSerialLink, type PortDescription } from '../serial/ports';
import { adapterMaxBaud, UNKNOWN_ADAPTER_MAX_BAUD } from '../serial/usb-adapters';
import { VIRTUAL_BOARD_MAX_BAUD } from '../services/port-sources';
import { defaultDataDir } from '../services/data-dir';
import { BOARD_FREE_VERBS, USAGE, UsageError, parseCommandLine, type CliOptions, type Command } from './args';
import { imageInfo, mergeBin, version } from './board-free-verbs';
import { choosePort } from './choose-port';
import { HASH_VERIFIED_LINE, chipEraseLine, compressedLine, eraseRangeLine, kbitPerSecond, readLine, unchangedLine, wroteLine } from './esptool-lines';
import { createOutput, type CliOutput } from './output';
import type { TextOutput } from './progress-bar';
import { isVirtualPortPath, openPersistentVirtualPort, saveVirtualPort, virtualFlashFile } from './virtual-ports';
import { isBackupCommand, runBackupCli } from './backup-verbs';
import { replVerbOf, runReplVerb, type ReplCliIo } from './repl-verbs';
import { isClassroomCommand, runClassroomCli } from './classroom-verb';

export interface CliIo {
  stdout: TextOutput;
  stderr: TextOutput;
  openLink?: (path: string, baud: number) => Promise<Link>;
  listPorts?: () => Promise<PortDescription[]>;
  /** Ctrl-C: operations stop between blocks. */
  signal?: AbortSignal;
  /** Keys for `kiln repl` (default process.stdin). */
  stdin?: ReplCliIo['stdin'];
  /** Extra session settings (tests: fewer connect attempts). */
  sessionOptions?: Partial<SessionOptions>;
  /** Where virtual boards keep their flash (tests); default --data-dir, else Kiln's data folder. */
  dataDir?: string;
  /** Clock for the esptool timing lines (ms). */
  now?: () => number;
  /** Makes the smaller streams write-flash keeps for the next board (default zopfli in a worker); null: keep none. */
  compressStream?: StreamCompressor | null;
  /** `kiln classroom`: ms between looks at the port list, and leaving out the machine's serial ports (tests). */
  pollIntervalMs?: number;
  noHardwarePorts?: boolean;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (isBackupCommand(argv)) return runBackupCli(argv, io);
  if (isClassroomCommand(argv)) return runClassroomCli(argv, io);
  // The MicroPython verbs (repl, exec, run, fs, reset) parse their own arguments.
  if (replVerbOf(argv) !== null) return runReplVerb(argv, io);
  let options: CliOptions;
  let command: Command | null;
  try {
    ({ options, command } = parseCommandLine(argv));
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${error.message}\n\nRun kiln --help for the commands and options.\n`);
      // A program that asked for JSON gets its error as JSON too.
      if (argv.includes('--json')) io.stdout.write(`${JSON.stringify({ ok: false, error: { code: 'usage', message: error.message } })}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  if (!command) {
    (options.help ? io.stdout : io.stderr).write(`${USAGE}\n`);
    return options.help ? EXIT_OK : EXIT_USAGE;
  }

  const out = createOutput(io.stdout, io.stderr, options.json, !options.noProgress);
  let link: Link | null = null;
  let port: string | null = null;
  let streams: CompressedStreamStore | null = null;
  try {
    if (command.verb === 'version') return version(out);
    if (command.verb === 'image-info') return await imageInfo(command.file, out);
    if (command.verb === 'merge-bin') return await mergeBin(command.output, command.files, options, out);
    if (BOARD_FREE_VERBS.has(command.verb)) throw new Error(`${command.verb} has no handler`);

    // Everything that can be checked without a board is checked before a port is opened.
    const images = command.verb === 'write-flash' || command.verb === 'verify-flash' ? await loadImages(command.files) : [];
    if (command.verb === 'write-flash') {
      streams = streamStore(options, io);
      // Made while the board connects and is written; the next board given the same file gets the smaller stream.
      for (const image of images) void streams?.prepare(padToWord(image.data));
    }
    port = options.port ?? (await choosePort(io.listPorts ?? (() => listPorts()), out.say));
    out.say(`Serial port ${port}`);
    link = await openPort(port, options, io, out);
    const speed = options.baud === 'auto' ? { autoBaud: { maxBaud: await maxBaudForCliPort(port, io) } } : { baudRate: options.baud };
    const session = await openSession(link, {
      ...speed,
      before: options.before,
      useStub: !options.noStub,
      usbJtagSerial: options.before === 'usb-reset',
      onProgress: out.progress,
      onWarning: (message) => out.warn(message),
      ...(options.connectAttempts !== null ? { connectAttempts: options.connectAttempts } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
      ...io.sessionOptions,
    });
    if (session.stubState === 'already-running') out.say('The flasher stub is already running; not uploading it again.');
    const info = await detect(session);
    out.say(`Chip is ${info.description}`);
    out.say(`Features: ${info.features.join(', ')}`);
    out.say(`Crystal is ${info.crystalMHz}MHz`);
    out.say(`MAC: ${info.mac}`);
    out.say(session.usingStub ? `Stub running at ${session.baudRate} baud.` : `ROM loader only, at ${session.baudRate} baud.`);
    if (options.baud === 'auto') for (const note of session.baudNotes) out.say(describeBaudNote(note));
    checkChipOption(options, info);
    // The CLI says "Erasing flash (this may take a while)..." itself, in esptool's words.
    const onProgress = (progress: OperationProgress): void => {
      if (progress.stage !== 'erasing') out.progress(progress);
    };
    const context: Context = { onProgress, now: io.now ?? Date.now, ...(io.signal ? { signal: io.signal } : {}), ...(streams ? { compressedStream: streams.streamFor } : {}) };
    const code = await runVerb(command, session, info, options, images, context, out);
    if (options.after === 'hard-reset') {
      out.say('Leaving...');
      const method = await hardReset(session);
      out.say(method === 'modem-lines' ? 'Hard resetting via RTS pin...' : 'Asked the loader to start the program (this port has no RTS line).');
    } else {
      out.say('Staying in bootloader.');
    }
    await session.close('no-reset');
    if (code === EXIT_OK && streams?.busy) {
      out.say('Keeping a smaller compressed copy of the image for the next board (Ctrl-C skips it)...');
      await untilIdleOrAborted(streams, io.signal);
    }
    return code;
  } catch (error) {
    out.endBar();
    const usage = error instanceof UsageError;
    io.stderr.write(usage ? `${error.message}\n` : `A fatal error occurred: ${describeError(error)}\n`);
    const hint = error instanceof KilnError ? error.hint : undefined;
    if (hint) io.stderr.write(`${hint}\n`);
    const overridable = error instanceof WriteRefusedError && error.overridable;
    if (overridable) io.stderr.write('To write it anyway, add --force (the board may not start).\n');
    out.result({
      command: command.verb,
      ok: false,
      error: { code: usage ? 'usage' : error instanceof KilnError ? error.code : error instanceof EspError ? error.code : 'failed', message: describeError(error), ...(hint ? { hint } : {}), ...(overridable ? { force: true } : {}) },
    });
    return usage ? EXIT_USAGE : EXIT_FAILED;
  } finally {
    streams?.close();
    if (link?.isOpen) await link.close().catch(() => {});
    // The process exits right after; a virtual board's flash must be on disk by then.
    if (port && isVirtualPortPath(port)) await saveVirtualPort(port).catch((error: unknown) => out.warn(describeError(error)));
  }
}

function describeError(error: unknown): string {
  if (error instanceof EspError || error instanceof LinkClosedError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Where write-flash keeps its smaller streams: the app's folder for them, in Kiln's data directory. */
function streamStore(options: CliOptions, io: CliIo): CompressedStreamStore | null {
  if (io.compressStream === null) return null;
  const dataDir = options.dataDir ?? io.dataDir ?? defaultDataDir();
  return new CompressedStreamStore({ dir: join(dataDir, 'firmware', 'streams'), ...(io.compressStream ? { compress: io.compressStream } : {}) });
}

async function untilIdleOrAborted(streams: CompressedStreamStore, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return streams.idle();
  if (signal.aborted) return;
  let onAbort = (): void => undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener('abort', onAbort, { once: true });
  });
  await Promise.race([streams.idle(), aborted]);
  signal.removeEventListener('abort', onAbort);
}

async function openPort(port: string, options: CliOptions, io: CliIo, out: CliOutput): Promise<Link> {
  if (io.openLink) return io.openLink(port, 115200);
  if (!isVirtualPortPath(port)) return openSerialLink(port, 115200);
  const dataDir = options.dataDir ?? io.dataDir ?? defaultDataDir();
  const flashFile = options.flashFile ?? virtualFlashFile(dataDir, port);
  out.say(`Virtual board ${port}, flash kept in ${flashFile}`);
  return openPersistentVirtualPort(port, flashFile, 115200);
}

/** --baud auto tries rates up to the port's USB adapter's datasheet limit (a virtual board's UART takes any). */
async function maxBaudForCliPort(port: string, io: CliIo): Promise<number> {
  if (isVirtualPortPath(port)) return VIRTUAL_BOARD_MAX_BAUD;
  try {
    const described = (await (io.listPorts ?? (() => listPorts()))()).find((candidate) => candidate.path === port);
    return adapterMaxBaud(described?.vendorId ?? null, described?.productId ?? null);
  } catch {
    return UNKNOWN_ADAPTER_MAX_BAUD; // the listing failed: try only the rates every adapter takes
  }
}

/** --chip esp32 on an ESP8266: refused before anything is done to the board, as esptool does. */
function checkChipOption(options: CliOptions, info: DeviceInfo): void {
  if (options.chip === 'auto' || options.chip === info.chip) return;
  throw new KilnError(
    'device',
    `This board is an ${CHIP_DISPLAY_NAMES[info.chip]}, not an ${CHIP_DISPLAY_NAMES[options.chip]} as --chip ${options.chip} says. Nothing was done to it.`,
    `Check that --port names the board you meant, or use --chip ${info.chip} (or --chip auto).`,
  );
}

/** Reads each file bounded (stat first) and runs the board-free checks, all before any port is opened. */
async function loadImages(files: { offset: number; file: string }[]): Promise<PlannedImage[]> {
  const images: PlannedImage[] = [];
  for (const { offset, file } of files) {
    try {
      images.push({ offset, data: await readInputFile(file), name: file, kind: 'data' });
    } catch (error) {
      // A file that is not there is a mistake on the command line.
      if (error instanceof WriteRefusedError && error.code === 'not-found') throw new UsageError(error.message);
      throw error;
    }
  }
  return checkWriteRequest(images);
}

type Context = { onProgress: (progress: OperationProgress) => void; signal?: AbortSignal; now: () => number; compressedStream?: WriteFlashOptions['compressedStream'] };

interface TimedRegion {
  offset: number;
  size: number;
  sentBytes: number;
  compressed: boolean;
  seconds: number;
}

/**
 * Times each region of a write from the engine's progress: a region starts when the engine
 * announces it (after compressing, as esptool times it) and ends when the next one starts or the
 * writing stage ends (after the loader's last answer).
 */
class RegionTimer {
  readonly done: TimedRegion[] = [];
  private current: { region: NonNullable<OperationProgress['region']>; startedAt: number } | null = null;

  constructor(
    private readonly now: () => number,
    private readonly out: CliOutput,
  ) {}

  observe = (progress: OperationProgress): void => {
    if (progress.region || progress.stage !== 'writing') this.finish();
    if (progress.region) {
      const { region } = progress;
      this.out.say(eraseRangeLine(region.offset, region.size));
      if (region.compressed) this.out.say(compressedLine(region.size, region.sentBytes));
      this.current = { region, startedAt: this.now() };
    }
  };

  finish(): void {
    if (!this.current) return;
    const { region, startedAt } = this.current;
    this.current = null;
    const timed = { ...region, seconds: (this.now() - startedAt) / 1000 };
    this.done.push(timed);
    this.out.say(wroteLine(timed, timed.seconds));
  }
}

async function runVerb(command: Command, session: EspSession, info: DeviceInfo, options: CliOptions, images: PlannedImage[], context: Context, out: CliOutput): Promise<number> {
  const engineContext = { onProgress: context.onProgress, ...(context.signal ? { signal: context.signal } : {}) };
  const board = { port: session.link.path, chip: info.chip };
  switch (command.verb) {
    case 'chip-id': {
      const chipId = session.chip.family === 'esp8266' ? formatHex32(await esp8266ChipId(session.readReg)) : null;
      if (chipId) out.say(`Chip ID: ${chipId}`);
      out.result({ command: command.verb, ok: true, ...board, description: info.description, features: info.features, crystalMHz: info.crystalMHz, mac: info.mac, ...(chipId ? { chipId } : {}) });
      return EXIT_OK;
    }
    case 'read-mac': {
      const mac = formatMac(await session.chip.readMac(session.readReg));
      out.say(`MAC: ${mac}`);
      out.result({ command: command.verb, ok: true, ...board, mac });
      return EXIT_OK;
    }
    case 'flash-id': {
      const flash = await session.flashInfo();
      if (!flash) {
        out.say('No flash chip answered (JEDEC id all ones or zeros).');
        out.result({ command: command.verb, ok: false, ...board, flash: null });
        return EXIT_FAILED;
      }
      out.say(`Manufacturer: ${flash.manufacturerId.toString(16).padStart(2, '0')} (${flash.vendor})`);
      out.say(`Device: ${flash.deviceId.toString(16).padStart(4, '0')}${flash.model ? ` (${flash.model})` : ''}`);
      out.say(`Detected flash size: ${flash.sizeBytes === null ? 'unknown' : formatBytes(flash.sizeBytes)}`);
      out.result({ command: command.verb, ok: true, ...board, flash });
      return EXIT_OK;
    }
    case 'write-flash': {
      const writeOptions: WriteFlashOptions = { flashSize: options.flashSize, verify: options.verify, skipUnchanged: options.diff };
      if (options.flashMode !== 'keep') writeOptions.flashMode = options.flashMode;
      if (options.flashFreq !== 'keep') writeOptions.flashFreq = options.flashFreq;
      if (options.compress !== undefined) writeOptions.compress = options.compress;
      if (context.compressedStream) writeOptions.compressedStream = context.compressedStream;
      const timer = new RegionTimer(context.now, out);
      let eraseStarted = 0;
      let eraseSeconds: number | null = null;
      const result = await executeWritePlan(
        session,
        images,
        {
          write: writeOptions,
          force: options.force,
          eraseAll: options.eraseAll,
          onWarning: (message) => out.warn(message),
          onChecked: () => {
            if (options.flashSize !== 'keep') out.say('Configuring flash size...');
            if (options.eraseAll) out.say('Erasing flash (this may take a while)...');
            eraseStarted = context.now();
          },
          onErased: () => {
            eraseSeconds = (context.now() - eraseStarted) / 1000;
            out.say(chipEraseLine(eraseSeconds));
          },
        },
        {
          ...engineContext,
          onProgress: (progress) => {
            timer.observe(progress);
            context.onProgress(progress);
          },
        },
      );
      timer.finish();
      for (const region of result.regions) {
        if (region.unchangedBytes > 0) out.say(unchangedLine(region));
      }
      let unverified = false;
      for (const region of result.regions) {
        if (region.verified) out.say(HASH_VERIFIED_LINE);
        else if (options.verify) unverified = true;
      }
      if (unverified) out.say('Not verified: this loader cannot hash flash, so nothing confirms the data arrived intact (use the flasher stub to verify).');
      out.result({
        command: command.verb,
        ok: true,
        ...board,
        ...(eraseSeconds !== null ? { eraseSeconds } : {}),
        regions: result.regions.map((region) => {
          // A diff re-flash writes a region as several runs (or none): their times add up.
          const runs = timer.done.filter((timed) => timed.offset >= region.offset && timed.offset < region.offset + region.size);
          const seconds = runs.length > 0 ? runs.reduce((sum, timed) => sum + timed.seconds, 0) : null;
          const written = region.size - region.unchangedBytes;
          return {
            offset: region.offset,
            size: region.size,
            unchangedBytes: region.unchangedBytes,
            compressedBytes: result.compressed ? region.sentBytes : null,
            seconds,
            kbitPerSecond: seconds === null || seconds === 0 ? null : kbitPerSecond(written, seconds),
            md5: region.md5,
            verified: region.verified,
          };
        }),
      });
      return EXIT_OK;
    }
    case 'verify-flash': {
      const results = await verifyFlash(session, await asWritten(images, session, options), engineContext);
      let ok = true;
      for (const [i, result] of results.entries()) {
        ok &&= result.matches;
        const name = images[i]?.name ?? 'the file';
        out.say(`Verifying ${formatHex32(result.size)} (${result.size}) bytes @ ${formatHex32(result.offset)} in flash against ${name}...`);
        out.say(result.matches ? '-- verify OK (digest matched)' : `-- verify FAILED: the flash holds different data (flash MD5 ${result.actual}, file ${result.expected})`);
      }
      out.say(ok ? 'Verification successful (digest matched).' : 'Verification failed: the flash does not match.');
      out.result({ command: command.verb, ok, ...board, regions: results });
      return ok ? EXIT_OK : EXIT_FAILED;
    }
    case 'read-flash': {
      const size = command.size === 'all' ? await allOfFlash(session, command.offset) : command.size;
      const started = context.now();
      const data = await readFlash(session, command.offset, size, engineContext);
      const seconds = (context.now() - started) / 1000;
      await writeFileAtomic(command.file, data);
      out.say(readLine(data.length, command.offset, seconds));
      out.result({ command: command.verb, ok: true, ...board, offset: command.offset, size: data.length, file: command.file, seconds, kbitPerSecond: kbitPerSecond(data.length, seconds) });
      return EXIT_OK;
    }
    case 'erase-flash': {
      out.say('Erasing flash (this may take a while)...');
      const started = context.now();
      await eraseFlash(session, engineContext);
      const seconds = (context.now() - started) / 1000;
      out.say(chipEraseLine(seconds));
      out.result({ command: command.verb, ok: true, ...board, seconds });
      return EXIT_OK;
    }
    case 'erase-region': {
      const started = context.now();
      await eraseRegion(session, command.offset, command.size, engineContext);
      const seconds = (context.now() - started) / 1000;
      out.say(`Erase completed successfully in ${seconds.toFixed(1)} seconds (${command.size} bytes at ${formatHex32(command.offset)}).`);
      out.result({ command: command.verb, ok: true, ...board, offset: command.offset, size: command.size, seconds });
      return EXIT_OK;
    }
    case 'image-info':
    case 'merge-bin':
    case 'version':
      throw new Error(`${command.verb} needs no board`);
  }
}

/**
 * What write-flash with the same --flash-mode/--flash-size/--flash-freq put in flash: the image at
 * the bootloader offset with its header patched, as esptool's verify_flash compares it.
 */
async function asWritten(images: PlannedImage[], session: EspSession, options: CliOptions): Promise<PlannedImage[]> {
  const params: FlashParams = {};
  if (options.flashMode !== 'keep') params.flashMode = options.flashMode;
  if (options.flashFreq !== 'keep') params.flashFreq = options.flashFreq;
  if (options.flashSize === 'detect') {
    const detected = await session.flashSize();
    const name = detected === null ? null : flashSizeNameForBytes(session.chip.family, detected);
    if (name) params.flashSize = name;
  } else if (options.flashSize !== 'keep') {
    params.flashSize = options.flashSize;
  }
  if (Object.keys(params).length === 0) return images;
  return images.map((image) => {
    if (image.offset !== session.chip.bootloaderOffset) return image;
    try {
      parseImage(image.data, { chip: session.chip.family });
      return { ...image, data: patchImageHeader(image.data, session.chip.family, params) };
    } catch (error) {
      if (error instanceof ImageError) return image;
      throw error;
    }
  });
}

async function allOfFlash(session: EspSession, offset: number): Promise<number> {
  const size = await session.flashSize();
  if (size === null) throw new EspError('unknown-flash-size', 'The flash size is unknown; give SIZE as a number instead of "all".');
  return size - offset;
}
