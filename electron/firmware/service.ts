/**
 * The firmware service the IPC router calls: catalog, download cache, local images, fit checks,
 * and the one way to get bytes for flashing (`resolveImage`), which refuses anything whose hash
 * no longer matches what was recorded.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  CachedFirmware,
  CatalogEntry,
  CatalogRefreshResult,
  CatalogView,
  DownloadProgress,
  FitCheckResult,
  FitDevice,
  ImageRef,
  LocalImage,
} from '../../shared/types/firmware';
import { FirmwareCache, sha256Hex } from './cache';
import { CompressedStreamStore, type StreamCompressor } from './compressed-streams';
import { FirmwareCatalog } from './catalog';
import { FirmwareError } from './errors';
import { checkFit } from './fit-check';
import { LocalImages } from './local-images';
import { BOOTLOADER_OFFSETS, parseImage } from '../esp/image';
import { padToWord } from '../esp/operations/regions';
import type { ChipFamily } from '../../shared/types/chips';

export interface FirmwareServiceOptions {
  /** The app's data directory; everything lives under <dataDir>/firmware. */
  dataDir: string;
  /** Default https://micropython.org; tests point it at a local server. */
  catalogBaseUrl?: string;
  cacheLimitBytes?: number;
  fetchImpl?: typeof fetch;
  now?: () => number;
  /** Makes the smaller streams kept for downloaded and chosen images (default zopfli in a worker). */
  compressStream?: StreamCompressor;
  /** Told when a smaller stream could not be made (writes then use zlib; nothing else changes). */
  onWarning?: (message: string) => void;
}

/** Bytes ready for the flasher, with what is known about them. */
export interface ResolvedImage {
  ref: ImageRef;
  name: string;
  bytes: Uint8Array;
  sha256: string;
  /** The chip the image header names (null for chips Kiln does not flash). */
  chip: ChipFamily | null;
  /** Where the image should be written: the catalog's offset, else the image chip's boot offset. */
  writeOffset: number;
  /** MicroPython version when known ("1.28.0"). */
  version: string | null;
}

export interface FirmwareService {
  listCatalog(): Promise<CatalogView>;
  refreshCatalog(signal?: AbortSignal): Promise<CatalogRefreshResult>;
  download(entryId: string, onProgress?: (progress: DownloadProgress) => void, signal?: AbortSignal): Promise<CachedFirmware>;
  listCached(): Promise<CachedFirmware[]>;
  removeCached(entryId: string): Promise<boolean>;
  addLocalImage(path: string): Promise<LocalImage>;
  listLocal(): Promise<LocalImage[]>;
  removeLocal(id: string): Promise<boolean>;
  checkFit(ref: ImageRef, device: FitDevice, options?: { offset?: number }): Promise<FitCheckResult>;
  /** The same checks on an image already resolved (the flasher has its bytes): no second read and hash. */
  checkResolvedFit(resolved: ResolvedImage, device: FitDevice, options?: { offset?: number }): Promise<FitCheckResult>;
  resolveImage(ref: ImageRef): Promise<ResolvedImage>;
  /**
   * WriteFlashOptions.compressedStream: the kept smaller stream for exactly these bytes, or null
   * (one is then made in the background, for the next write of the same bytes).
   */
  compressedStream(data: Uint8Array, md5: string): Promise<Uint8Array | null>;
  /** Resolves when no smaller stream is being made. */
  compressedStreamsIdle(): Promise<void>;
}

export function createFirmwareService(options: FirmwareServiceOptions): FirmwareService {
  const root = join(options.dataDir, 'firmware');
  const fetchImpl = options.fetchImpl ?? fetch;
  const catalog = new FirmwareCatalog({
    dataDir: options.dataDir,
    ...(options.catalogBaseUrl !== undefined ? { baseUrl: options.catalogBaseUrl } : {}),
    fetchImpl,
    ...(options.now ? { now: options.now } : {}),
  });
  const cache = new FirmwareCache({
    dir: join(root, 'cache'),
    fetchImpl,
    ...(options.cacheLimitBytes !== undefined ? { limitBytes: options.cacheLimitBytes } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const local = new LocalImages({ dir: join(root, 'local'), ...(options.now ? { now: options.now } : {}) });
  // Beside the cache: streams for downloaded and local images, and for the exact bytes of past writes.
  const streams = new CompressedStreamStore({
    dir: join(root, 'streams'),
    ...(options.compressStream ? { compress: options.compressStream } : {}),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  /** Starts the smaller stream for an image as it is (what is written unless the user changes its header). */
  const prepareStream = (read: () => Promise<{ bytes: Uint8Array }>): void => {
    void read().then(
      ({ bytes }) => streams.prepare(padToWord(bytes)),
      () => undefined,
    );
  };

  async function entryOrThrow(entryId: string): Promise<CatalogEntry> {
    const entry = await catalog.findEntry(entryId);
    if (!entry) {
      throw new FirmwareError('unknown-entry', `${entryId} is not in the firmware list.`, 'Refresh the firmware list and choose again.');
    }
    return entry;
  }

  async function resolveImage(ref: ImageRef): Promise<ResolvedImage> {
    if (ref.kind === 'local') {
      const { bytes, image } = await local.read(ref.id);
      return {
        ref,
        name: image.name,
        bytes,
        sha256: image.sha256,
        chip: image.summary.chip,
        writeOffset: image.summary.chip ? BOOTLOADER_OFFSETS[image.summary.chip] : 0,
        version: null,
      };
    }
    const { bytes, record } = await cache.read(ref.entryId);
    const entry = await catalog.findEntry(ref.entryId);
    let chip: ChipFamily | null = entry?.chip ?? null;
    if (!entry) {
      // Still cached but gone from a refreshed catalog: the header tells the chip.
      try {
        chip = parseImage(bytes).chip;
      } catch {
        chip = null;
      }
    }
    return {
      ref,
      name: record.fileName,
      bytes,
      sha256: record.sha256,
      chip,
      writeOffset: entry?.writeOffset ?? (chip ? BOOTLOADER_OFFSETS[chip] : 0),
      version: entry?.version ?? null,
    };
  }

  return {
    listCatalog: () => catalog.view(),
    refreshCatalog: (signal) => catalog.refresh(signal),
    async download(entryId, onProgress, signal) {
      const record = await cache.ensure(await entryOrThrow(entryId), onProgress, signal);
      // Read without cache.read(), which records a use (an index write) the user did not make.
      prepareStream(async () => {
        const bytes = new Uint8Array(await readFile(join(root, 'cache', record.fileName)));
        if (sha256Hex(bytes) !== record.sha256) throw new Error('changed on disk');
        return { bytes };
      });
      return record;
    },
    listCached: () => cache.list(),
    removeCached: (entryId) => cache.remove(entryId),
    async addLocalImage(path) {
      const image = await local.add(path);
      prepareStream(() => local.read(image.id));
      return image;
    },
    listLocal: () => local.list(),
    removeLocal: (id) => local.remove(id),
    async checkFit(ref, device, fitOptions = {}) {
      return checkResolvedFit(await resolveImage(ref), device, fitOptions);
    },
    checkResolvedFit,
    resolveImage,
    compressedStream: (data) => streams.streamFor(data),
    compressedStreamsIdle: () => streams.idle(),
  };

  async function checkResolvedFit(resolved: ResolvedImage, device: FitDevice, fitOptions: { offset?: number } = {}): Promise<FitCheckResult> {
    const { ref } = resolved;
    const entry = ref.kind === 'catalog' ? await catalog.findEntry(ref.entryId) : undefined;
    return checkFit({
      bytes: resolved.bytes,
      name: resolved.name,
      device,
      ...(fitOptions.offset !== undefined ? { offset: fitOptions.offset } : {}),
      ...(entry ? { entry } : {}),
      catalog: (await catalog.view()).entries,
    });
  }
}
