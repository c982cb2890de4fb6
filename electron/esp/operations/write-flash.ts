/**
 * Writing a set of images: checked first, header settings patched where the user chose them,
 * sent zlib-compressed where the loader can inflate (stub, ESP32-family ROMs) and plain otherwise
 * (ESP8266 ROM), then each region's MD5 compared with the board's.
 */
import { createHash } from 'node:crypto';
import type { ChipFamily } from '../../../shared/types/chips';
import { formatHex32 } from '../../../shared/format';
import { Op } from '../command';
import { InvalidRequestError, VerifyFailedError, throwIfAborted } from '../errors';
import { ImageError, flashSizeNameForBytes, parseImage, patchImageHeader, type FlashFreq, type FlashMode, type FlashParams, type FlashSizeName } from '../image';
import { ProgressTracker, reportStage, type OperationContext } from '../progress';
import type { EspSession } from '../session';
import { DEFAULT_TIMEOUT_MS, ERASE_REGION_MS_PER_MB, ERASE_WRITE_MS_PER_MB, timeoutPerMb } from '../timeouts';
import { SECTOR_SIZE, checkImages, padToWord, type FlashImage } from './regions';
import { compressionPlanWithOffer, type StreamOffer } from '../compression-plan';
import { findChangedSectors, rangeBytes, type ByteRange, type ChangedSectors } from './changed-sectors';
import { isLinkTrouble, stepDownBaud } from './link-speed';
import { emptyStubInflateBuffer, stubDeflateBlockSize } from './stub-inflate-buffer';

export interface WriteFlashOptions {
  flashMode?: FlashMode;
  flashFreq?: FlashFreq;
  /** 'keep' (default) leaves the header's size; 'detect' writes the detected size; a name writes that size. */
  flashSize?: 'detect' | 'keep' | FlashSizeName;
  /** Default: compress wherever the loader can inflate. */
  compress?: boolean;
  /** Compare each region's MD5 after writing (default true). */
  verify?: boolean;
  /**
   * Diff re-flash (default true where the loader can hash flash): compare the board's MD5s of
   * each region with the image's and write only the 4 KiB sectors that differ. false rewrites all.
   */
  skipUnchanged?: boolean;
  /**
   * A better-compressed stream for these exact bytes (e.g. zopfli, cached beside the firmware),
   * or null to compress with zlib now. Must inflate to `data`; checked before use.
   */
  compressedStream?: (data: Uint8Array, md5: string) => Promise<Uint8Array | null>;
}

export interface WrittenRegion {
  offset: number;
  /** Bytes written (the image padded to a multiple of 4). */
  size: number;
  md5: string;
  /** Bytes sent for it (compressed size when compressed). */
  sentBytes: number;
  /** Bytes the board already held (diff re-flash), so not erased or written again; 0 for a full write. */
  unchangedBytes: number;
  /** True only when the board's MD5 of the region matched. */
  verified: boolean;
  /**
   * 'verified': the board's MD5 matched. 'unverified': the loader cannot hash flash (the ESP8266
   * ROM), so nothing confirms the data arrived intact. 'skipped': the caller turned verification off.
   */
  verification: 'verified' | 'unverified' | 'skipped';
}

export interface WriteFlashResult {
  regions: WrittenRegion[];
  compressed: boolean;
  warnings: string[];
}

/** Replaces header bytes 2–3 (and a SHA-256 digest); injected in tests, image.ts otherwise. */
export type HeaderPatcher = (bytes: Uint8Array, chip: ChipFamily, params: FlashParams) => Uint8Array;

export async function writeFlash(
  session: EspSession,
  images: readonly FlashImage[],
  options: WriteFlashOptions = {},
  context: OperationContext = {},
  patcher: HeaderPatcher = patchImageHeader,
): Promise<WriteFlashResult> {
  session.ensureInLoader();
  const { chip, loader } = session;
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    session.warn(message);
  };

  // Everything that can refuse the request happens before the first byte is written.
  const detectedSize = await session.flashSize();
  const chosenSize = options.flashSize && options.flashSize !== 'keep' && options.flashSize !== 'detect' ? options.flashSize : null;
  const chosenBytes = chosenSize ? sizeBytesOf(chosenSize) : null;
  if (chosenBytes !== null && detectedSize !== null && chosenBytes > detectedSize) {
    warn(`The chosen flash size ${chosenSize} is larger than the ${detectedSize / 1024 / 1024} MB the flash chip reports.`);
  }
  const flashEnd = chosenBytes !== null && detectedSize !== null ? Math.min(chosenBytes, detectedSize) : (chosenBytes ?? detectedSize);
  const sorted = checkImages(images, flashEnd);

  const headerParams = headerParamsFor(options, chip.family, detectedSize, warn);
  const prepared = sorted.map((image) => {
    const data = image.offset === chip.bootloaderOffset && headerParams ? patchHeader(image, chip.family, headerParams, patcher, warn) : image.data;
    const padded = padToWord(data);
    return { offset: image.offset, data: padded, md5: createHash('md5').update(padded).digest('hex') };
  });

  const canInflate = loader.isStub || chip.rom.compressedWrite;
  let compress = options.compress ?? canInflate;
  if (compress && !canInflate) {
    warn(`The ${chip.name} ROM loader cannot take compressed data; writing uncompressed.`);
    compress = false;
  }
  const verify = options.verify ?? true;
  const canHash = loader.isStub || chip.rom.md5;
  if (verify && !canHash) warn(`The ${chip.name} ROM loader cannot compute MD5, so the write is not verified. Use the flasher stub to verify.`);

  // Diff re-flash: only the sectors the board does not already hold are erased and written.
  const skipUnchanged = (options.skipUnchanged ?? true) && canHash;
  if (skipUnchanged) reportStage(context.onProgress, 'comparing', 'Comparing the images with what the board holds');
  const plans: { image: (typeof prepared)[number]; changed: ChangedSectors }[] = [];
  // A kept stream is for a whole image: a diff's pieces (and resumed runs) are compressed now.
  const offer: StreamOffer | undefined = options.compressedStream ? { stream: options.compressedStream, warn } : undefined;
  for (const image of prepared) {
    let changed = skipUnchanged ? await findChangedSectors(loader, image.offset, image.data, image.md5, context.signal) : fullWrite(image.data.length);
    if (await wholeStreamIsCheaper(offer, image, changed)) changed = fullWrite(image.data.length);
    plans.push({ image, changed });
  }

  const total = plans.reduce((sum, { changed }) => sum + rangeBytes(changed.ranges), 0);
  const tracker = new ProgressTracker('writing', total, context.onProgress, total === 0 ? 'The board already holds these images: nothing to write' : 'Writing');
  const regions: WrittenRegion[] = [];
  for (const { image, changed } of plans) {
    let sentBytes = 0;
    for (const range of changed.ranges) {
      sentBytes += await writeRangeSteppingDown(session, image, range, { compress, tracker, signal: context.signal, warn, offer });
    }
    regions.push({
      offset: image.offset,
      size: image.data.length,
      md5: image.md5,
      sentBytes,
      unchangedBytes: changed.unchangedBytes,
      verified: false,
      verification: verify ? 'unverified' : 'skipped',
    });
  }

  if (verify && canHash) {
    const verifyTotal = regions.reduce((sum, region) => sum + region.size, 0);
    const verifyTracker = new ProgressTracker('verifying', verifyTotal, context.onProgress, 'Verifying');
    for (const [index, region] of regions.entries()) {
      throwIfAborted(context.signal);
      let actual = await loader.flashMd5(region.offset, region.size);
      // Damage the block checksums cannot see (two flipped bits in the same bit of an XOR, a
      // corrupted FLASH_BEGIN): find the sectors that differ and write them again, more slowly.
      for (let round = 1; actual !== region.md5 && round <= REPAIR_ROUNDS; round++) {
        const { image } = plans[index]!;
        const changed = await findChangedSectors(loader, image.offset, image.data, image.md5, context.signal);
        const step = await stepDownBaud(session);
        if (step) session.baudNotes.push(`The flash did not match after writing at ${step.from} baud; repaired at ${step.to} baud.`);
        const bytes = rangeBytes(changed.ranges);
        warn(`The flash at ${formatHex32(region.offset)} did not match what was sent (${Math.ceil(bytes / SECTOR_SIZE)} ${bytes > SECTOR_SIZE ? 'sectors differ' : 'sector differs'}); writing them again at ${session.link.baudRate} baud.`);
        const repairTracker = new ProgressTracker('writing', bytes, context.onProgress, 'Repairing');
        for (const range of changed.ranges) {
          region.sentBytes += await writeRangeSteppingDown(session, image, range, { compress, tracker: repairTracker, signal: context.signal, warn });
        }
        actual = await loader.flashMd5(region.offset, region.size);
      }
      if (actual !== region.md5) {
        throw new VerifyFailedError(
          `Verification failed at ${formatHex32(region.offset)}: the flash holds different data (MD5 ${actual}, expected ${region.md5}). ` +
            'Write again at a lower baud rate; if it keeps failing, the flash chip may be worn out or write-protected.',
        );
      }
      region.verified = true;
      region.verification = 'verified';
      verifyTracker.add(region.size, `Verified ${formatHex32(region.offset)}`);
    }
  }
  // Said in the final stage too, so every front end (app, CLI, headless) shows it, not only a warning.
  const unverified = regions.some((region) => region.verification === 'unverified');
  reportStage(context.onProgress, 'done', unverified ? `Write complete but unverified: the ${chip.name} ROM loader cannot hash flash` : 'Write complete');
  return { regions, compressed: compress, warnings };
}

/**
 * Raised inside a run when the link damaged or lost a block: how far the board acknowledged, so
 * the run can go on from there at a lower rate instead of starting the job again.
 */
class TransferInterrupted extends Error {
  constructor(
    /** Image bytes (uncompressed) in the blocks the board acknowledged. */
    readonly acknowledgedBytes: number,
    /** Bytes sent before the failure, for the totals. */
    readonly sentBytes: number,
    override readonly cause: unknown,
  ) {
    super('transfer interrupted');
  }
}

async function linkStep<T>(acknowledged: number, sent: number, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw isLinkTrouble(error) ? new TransferInterrupted(acknowledged, sent, error) : error;
  }
}

/**
 * Writes one run; when the link starts damaging data, drops one standard baud and resumes at the
 * sector holding the first byte not acknowledged (a fresh FLASH_BEGIN there erases and rewrites
 * that sector, so nothing half-written stays), until the floor rate fails too.
 */
async function writeRangeSteppingDown(
  session: EspSession,
  image: { offset: number; data: Uint8Array; md5: string },
  range: ByteRange,
  run: { compress: boolean; tracker: ProgressTracker; signal: AbortSignal | undefined; warn: (m: string) => void; offer?: StreamOffer | undefined },
): Promise<number> {
  let start = range.start;
  let sent = 0;
  // The first interruption at a rate on the stub (whose blocks were already retried) restarts from
  // the acknowledged sector at the same rate, in case it was a one-off; the next one steps down.
  const restartedAt = new Set<number>();
  for (;;) {
    throwIfAborted(run.signal);
    const whole = start === 0 && range.end === image.data.length;
    const data = whole ? image.data : image.data.subarray(start, range.end);
    const md5 = whole ? image.md5 : createHash('md5').update(data).digest('hex');
    const offset = image.offset + start;
    try {
      const offer = whole ? run.offer : undefined;
      return sent + (run.compress ? await writeCompressed(session, offset, data, md5, run.tracker, run.signal, offer) : await writePlain(session, offset, data, run.tracker, run.signal));
    } catch (error) {
      if (!(error instanceof TransferInterrupted)) throw error;
      sent += error.sentBytes;
      const resumeAt = start + Math.floor(error.acknowledgedBytes / SECTOR_SIZE) * SECTOR_SIZE;
      const baud = session.link.baudRate;
      if (session.loader.isStub && !restartedAt.has(baud)) {
        restartedAt.add(baud);
        // Replies still on their way belong to the abandoned blocks: let them pass.
        await session.channel.settle(20, 500);
        session.channel.flushInput();
        run.warn(`A block arrived damaged at ${baud} baud; writing again from ${formatHex32(image.offset + resumeAt)}.`);
      } else {
        const step = await stepDownBaud(session);
        if (!step) throw error.cause;
        const message = `Data arrived damaged at ${step.from} baud; continuing at ${step.to} baud from ${formatHex32(image.offset + resumeAt)}.`;
        session.baudNotes.push(message);
        run.warn(message);
      }
      run.tracker.rewind(start + error.acknowledgedBytes - resumeAt);
      start = resumeAt;
    }
  }
}

/**
 * A kept (zopfli) stream covers the whole image; the pieces of a diff are compressed with zlib
 * now, which sends several per cent more. When nearly all of the image must be written anyway
 * (a blank board skips only its blank sectors), the whole image with the kept stream is cheaper.
 */
const WHOLE_STREAM_SHARE = 0.9;

async function wholeStreamIsCheaper(offer: StreamOffer | undefined, image: { data: Uint8Array; md5: string }, changed: ChangedSectors): Promise<boolean> {
  if (!offer || changed.unchangedBytes === 0 || image.data.length - changed.unchangedBytes < image.data.length * WHOLE_STREAM_SHARE) return false;
  try {
    return (await offer.stream(image.data, image.md5)) !== null;
  } catch {
    return false; // said when the write asks for the stream again
  }
}

/** Rounds of "find the differing sectors and write them again" after a failed verify. */
const REPAIR_ROUNDS = 2;

/** Without diffing: the whole image is written. */
function fullWrite(length: number): ChangedSectors {
  return { ranges: [{ start: 0, end: length }], unchangedBytes: 0, hashRequests: 0 };
}

function sizeBytesOf(name: FlashSizeName): number {
  const match = /^(\d+)(KB|MB)/.exec(name);
  if (!match) throw new InvalidRequestError(`"${name}" is not a flash size.`);
  return Number(match[1]) * (match[2] === 'KB' ? 1024 : 1024 * 1024);
}

/** The header fields the user chose; null when they chose none (the image is written as is). */
function headerParamsFor(options: WriteFlashOptions, chip: ChipFamily, detectedSize: number | null, warn: (m: string) => void): FlashParams | null {
  const params: FlashParams = {};
  if (options.flashMode) params.flashMode = options.flashMode;
  if (options.flashFreq) params.flashFreq = options.flashFreq;
  if (options.flashSize === 'detect') {
    const name = detectedSize === null ? null : flashSizeNameForBytes(chip, detectedSize);
    if (name) params.flashSize = name;
    else warn('The flash size could not be detected, so the image header keeps its own.');
  } else if (options.flashSize && options.flashSize !== 'keep') {
    params.flashSize = options.flashSize;
  }
  return Object.keys(params).length > 0 ? params : null;
}

function patchHeader(image: FlashImage, chip: ChipFamily, params: FlashParams, patcher: HeaderPatcher, warn: (m: string) => void): Uint8Array {
  try {
    parseImage(image.data, { chip });
  } catch (error) {
    if (!(error instanceof ImageError)) throw error;
    warn(`${image.name ?? `The data at ${formatHex32(image.offset)}`} is not a firmware image, so its flash settings were not changed.`);
    return image.data;
  }
  try {
    return patcher(image.data, chip, params);
  } catch (error) {
    if (error instanceof ImageError) throw new InvalidRequestError(error.message);
    throw error;
  }
}

async function writeCompressed(
  session: EspSession,
  offset: number,
  data: Uint8Array,
  md5: string,
  tracker: ProgressTracker,
  signal: AbortSignal | undefined,
  offer?: StreamOffer,
): Promise<number> {
  const { loader, chip } = session;
  const largestBlock = loader.isStub ? chip.blockSizes.stubFlash : chip.blockSizes.romFlash;
  // `inflated`: how much flash each compressed block fills, so timeouts and progress follow the real work.
  // A cached stream offered for these exact bytes (checked there) replaces zlib level 9.
  let plan = await compressionPlanWithOffer(data, md5, largestBlock, offer);
  const blockSize = loader.isStub ? stubDeflateBlockSize(data.length, plan.compressed.length, largestBlock) : largestBlock;
  if (blockSize !== largestBlock) plan = await compressionPlanWithOffer(data, md5, blockSize, offer);
  const { compressed, inflated } = plan;
  const blocks = Math.ceil(compressed.length / blockSize);
  tracker.startRegion({ offset, size: data.length, sentBytes: compressed.length, compressed: true }, `Compressed ${data.length} bytes to ${compressed.length}`);
  // The stub counts bytes and erases as it goes; the ROM erases up front, rounded to whole blocks.
  const writeSize = loader.isStub ? data.length : Math.ceil(data.length / blockSize) * blockSize;
  const beginTimeout = loader.isStub ? DEFAULT_TIMEOUT_MS : timeoutPerMb(ERASE_REGION_MS_PER_MB, writeSize);
  if (loader.isStub && session.stubInflateBufferDirty) await linkStep(0, 0, () => emptyStubInflateBuffer(session, offset, data.length));
  // Until this stream's end is acknowledged, the stub's inflate buffer may keep some of it.
  if (loader.isStub) session.stubInflateBufferDirty = true;
  await linkStep(0, 0, () => loader.flashBegin(Op.FLASH_DEFL_BEGIN, { size: writeSize, blocks, blockSize, offset, encryptWord: !loader.isStub && chip.rom.flashBeginEncryptWord }, beginTimeout));

  let written = 0;
  const blockAt = (seq: number): Uint8Array => compressed.subarray(seq * blockSize, (seq + 1) * blockSize);
  const blockTimeout = (seq: number): number => timeoutPerMb(ERASE_WRITE_MS_PER_MB, inflated[seq]!);
  const acknowledged = (seq: number): void => {
    written += inflated[seq]!;
    tracker.add(inflated[seq]!, `Writing at ${formatHex32(offset + written)}`);
  };
  if (loader.isStub) {
    // The stub answers a block once its checksum is checked, then writes it while the next block
    // arrives in its second receive buffer. A third block would land in the buffer still being
    // written (it has two), so one block in flight beyond the answered one is all the stub allows.
    let previousTimeout = DEFAULT_TIMEOUT_MS;
    for (let seq = 0; seq < blocks; seq++) {
      throwIfAborted(signal);
      // Its answer waits for the previous block's flash work.
      const timeout = Math.max(previousTimeout, blockTimeout(seq));
      await linkStep(written, seq * blockSize, () => loader.flashData(Op.FLASH_DEFL_DATA, blockAt(seq), seq, timeout));
      previousTimeout = blockTimeout(seq);
      acknowledged(seq);
    }
  } else {
    // The ROM writes a block before answering, and reads one command at a time.
    for (let seq = 0; seq < blocks; seq++) {
      throwIfAborted(signal);
      await linkStep(written, seq * blockSize, () => loader.flashData(Op.FLASH_DEFL_DATA, blockAt(seq), seq, blockTimeout(seq)));
      acknowledged(seq);
    }
  }
  // The ROM would leave the loader on FLASH_DEFL_END, so it is only sent to the stub (which then finishes its last write).
  // A failed end leaves the last acknowledged blocks' fate open: resume covers them again.
  if (loader.isStub) {
    await linkStep(Math.max(0, written - (inflated[blocks - 1] ?? 0)), compressed.length, () => loader.flashEnd(Op.FLASH_DEFL_END, false));
    session.stubInflateBufferDirty = false;
  }
  return compressed.length;
}

async function writePlain(session: EspSession, offset: number, data: Uint8Array, tracker: ProgressTracker, signal: AbortSignal | undefined): Promise<number> {
  const { loader, chip } = session;
  const blockSize = loader.isStub ? chip.blockSizes.stubFlash : chip.blockSizes.romFlash;
  const blocks = Math.ceil(data.length / blockSize);
  tracker.startRegion({ offset, size: data.length, sentBytes: blocks * blockSize, compressed: false });
  const eraseSize = loader.isStub ? data.length : chip.romEraseSize(offset, data.length);
  const beginTimeout = loader.isStub ? DEFAULT_TIMEOUT_MS : timeoutPerMb(ERASE_REGION_MS_PER_MB, data.length);
  await linkStep(0, 0, () => loader.flashBegin(Op.FLASH_BEGIN, { size: eraseSize, blocks, blockSize, offset, encryptWord: !loader.isStub && chip.rom.flashBeginEncryptWord }, beginTimeout));
  const blockTimeout = timeoutPerMb(ERASE_WRITE_MS_PER_MB, blockSize);
  for (let seq = 0; seq < blocks; seq++) {
    throwIfAborted(signal);
    let block = data.subarray(seq * blockSize, (seq + 1) * blockSize);
    if (block.length < blockSize) {
      // The last block is padded with the erased value; the loader expects whole blocks.
      const full = new Uint8Array(blockSize).fill(0xff);
      full.set(block);
      block = full;
    }
    await linkStep(seq * blockSize, seq * blockSize, () => loader.flashData(Op.FLASH_DATA, block, seq, blockTimeout));
    tracker.add(Math.min(blockSize, data.length - seq * blockSize), `Writing at ${formatHex32(offset + seq * blockSize)}`);
  }
  if (loader.isStub) await linkStep(Math.max(0, (blocks - 1) * blockSize), blocks * blockSize, () => loader.flashEnd(Op.FLASH_END, false));
  return blocks * blockSize;
}
