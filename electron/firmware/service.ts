/**
 * The firmware service the IPC router calls: catalog, download cache, local images, fit checks,
 * and the one way to get bytes for flashing (`resolveImage`), which refuses anything whose hash
 * no longer matches what was recorded.
 */
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
import { FirmwareCache } from './cache';
import { FirmwareCatalog } from './catalog';
import { FirmwareError } from './errors';
import { checkFit } from './fit-check';
import { LocalImages } from './local-images';
import { BOOTLOADER_OFFSETS, parseImage } from '../esp/image';
import type { ChipFamily } from '../../shared/types/chips';

export interface FirmwareServiceOptions {
  /** The app's data directory; everything lives under <dataDir>/firmware. */
  dataDir: string;
  /** Default https://micropython.org; tests point it at a local server. */
  catalogBaseUrl?: string;
  cacheLimitBytes?: number;
  fetchImpl?: typeof fetch;
  now?: () => number;
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
      return cache.ensure(await entryOrThrow(entryId), onProgress, signal);
    },
    listCached: () => cache.list(),
    removeCached: (entryId) => cache.remove(entryId),
    addLocalImage: (path) => local.add(path),
    listLocal: () => local.list(),
    removeLocal: (id) => local.remove(id),
    async checkFit(ref, device, fitOptions = {}) {
      return checkResolvedFit(await resolveImage(ref), device, fitOptions);
    },
    checkResolvedFit,
    resolveImage,
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
