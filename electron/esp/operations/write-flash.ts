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
import { checkImages, padToWord, type FlashImage } from './regions';
import { compressionPlanWithOffer, type StreamOffer } from '../compression-plan';

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

  const total = prepared.reduce((sum, image) => sum + image.data.length, 0);
  const tracker = new ProgressTracker('writing', total, context.onProgress, 'Writing');
  const regions: WrittenRegion[] = [];
  const offer: StreamOffer | undefined = options.compressedStream ? { stream: options.compressedStream, warn } : undefined;
  for (const image of prepared) {
    throwIfAborted(context.signal);
    const sentBytes = compress ? await writeCompressed(session, image.offset, image.data, image.md5, tracker, context.signal, offer) : await writePlain(session, image.offset, image.data, tracker, context.signal);
    regions.push({ offset: image.offset, size: image.data.length, md5: image.md5, sentBytes, unchangedBytes: 0, verified: false, verification: verify ? 'unverified' : 'skipped' });
  }

  if (verify && canHash) {
    const verifyTracker = new ProgressTracker('verifying', total, context.onProgress, 'Verifying');
    for (const region of regions) {
      throwIfAborted(context.signal);
      const actual = await loader.flashMd5(region.offset, region.size);
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
  const blockSize = loader.isStub ? chip.blockSizes.stubFlash : chip.blockSizes.romFlash;
  // `inflated`: how much flash each compressed block fills, so timeouts and progress follow the real work.
  // A cached stream offered for these exact bytes (checked there) replaces zlib level 9.
  const { compressed, inflated } = await compressionPlanWithOffer(data, md5, blockSize, offer);
  const blocks = Math.ceil(compressed.length / blockSize);
  tracker.startRegion({ offset, size: data.length, sentBytes: compressed.length, compressed: true }, `Compressed ${data.length} bytes to ${compressed.length}`);
  // The stub counts bytes and erases as it goes; the ROM erases up front, rounded to whole blocks.
  const writeSize = loader.isStub ? data.length : Math.ceil(data.length / blockSize) * blockSize;
  const beginTimeout = loader.isStub ? DEFAULT_TIMEOUT_MS : timeoutPerMb(ERASE_REGION_MS_PER_MB, writeSize);
  await loader.flashBegin(Op.FLASH_DEFL_BEGIN, { size: writeSize, blocks, blockSize, offset, encryptWord: !loader.isStub && chip.rom.flashBeginEncryptWord }, beginTimeout);

  let written = 0;
  let previousTimeout = DEFAULT_TIMEOUT_MS;
  for (let seq = 0; seq < blocks; seq++) {
    throwIfAborted(signal);
    const block = compressed.subarray(seq * blockSize, (seq + 1) * blockSize);
    const blockTimeout = timeoutPerMb(ERASE_WRITE_MS_PER_MB, inflated[seq]!);
    // The ROM writes a block before answering; the stub answers at once and writes while the next block arrives.
    await loader.flashData(Op.FLASH_DEFL_DATA, block, seq, loader.isStub ? Math.max(previousTimeout, blockTimeout) : blockTimeout);
    previousTimeout = blockTimeout;
    written += inflated[seq]!;
    tracker.add(inflated[seq]!, `Writing at ${formatHex32(offset + written)}`);
  }
  // The ROM would leave the loader on FLASH_DEFL_END, so it is only sent to the stub (which then finishes its last write).
  if (loader.isStub) await loader.flashEnd(Op.FLASH_DEFL_END, false);
  return compressed.length;
}

async function writePlain(session: EspSession, offset: number, data: Uint8Array, tracker: ProgressTracker, signal: AbortSignal | undefined): Promise<number> {
  const { loader, chip } = session;
  const blockSize = loader.isStub ? chip.blockSizes.stubFlash : chip.blockSizes.romFlash;
  const blocks = Math.ceil(data.length / blockSize);
  tracker.startRegion({ offset, size: data.length, sentBytes: blocks * blockSize, compressed: false });
  const eraseSize = loader.isStub ? data.length : chip.romEraseSize(offset, data.length);
  const beginTimeout = loader.isStub ? DEFAULT_TIMEOUT_MS : timeoutPerMb(ERASE_REGION_MS_PER_MB, data.length);
  await loader.flashBegin(Op.FLASH_BEGIN, { size: eraseSize, blocks, blockSize, offset, encryptWord: !loader.isStub && chip.rom.flashBeginEncryptWord }, beginTimeout);
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
    await loader.flashData(Op.FLASH_DATA, block, seq, blockTimeout);
    tracker.add(Math.min(blockSize, data.length - seq * blockSize), `Writing at ${formatHex32(offset + seq * blockSize)}`);
  }
  if (loader.isStub) await loader.flashEnd(Op.FLASH_END, false);
  return blocks * blockSize;
}
