import { z } from 'zod';
import { CHIP_FAMILIES } from '../types/chips';
import { request } from './define';
import type { JobSummary } from '../types/jobs';
import type { CachedFirmware, CatalogRefreshResult, CatalogView, FitCheckResult, LocalImage } from '../types/firmware';

/** A MicroPython build file name without ".bin", e.g. "ESP32_GENERIC-20260406-v1.28.0". */
export const catalogEntryId = z.string().regex(/^[A-Z0-9_]+(-[A-Z0-9_]+)?-\d{8}-v[0-9A-Za-z.+-]{1,60}$/, 'is not a catalog entry id');
export const localImageId = z.string().regex(/^local-[0-9a-f]{16}$/, 'is not a local image id');

/** Which image an operation means; paths never reach the engine directly. */
export const imageRef = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('catalog'), entryId: catalogEntryId }).strict(),
  z.object({ kind: z.literal('local'), id: localImageId }).strict(),
]);

/** A file the user picked in a dialog: absolute, of sane length, no NUL. */
export const localFilePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((path) => !path.includes('\0'), { message: 'contains a NUL character' })
  .refine((path) => path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\'), { message: 'must be an absolute path' });

export const flashOffset = z
  .number()
  .int()
  .min(0)
  .max(256 * 1024 * 1024);

export const fitDevice = z
  .object({
    chip: z.enum(CHIP_FAMILIES),
    flashSizeBytes: z
      .number()
      .int()
      .positive()
      .max(256 * 1024 * 1024)
      .nullable(),
    revision: z.number().int().min(0).max(65535).optional(),
  })
  .strict();

export const firmwareRequests = {
  'firmware.catalog.list': request(z.object({}).strict()).returns<CatalogView>(),
  /** Reads MicroPython's download pages; on failure keeps the last good catalog and says so. */
  'firmware.catalog.refresh': request(z.object({}).strict()).returns<CatalogRefreshResult>(),
  /** Starts a download job (kind 'download'); returns at once. */
  'firmware.download': request(z.object({ entryId: catalogEntryId }).strict()).returns<JobSummary>(),
  'firmware.cache.list': request(z.object({}).strict()).returns<CachedFirmware[]>(),
  'firmware.cache.remove': request(z.object({ entryId: catalogEntryId }).strict()).returns<boolean>(),
  'firmware.local.add': request(z.object({ path: localFilePath }).strict()).returns<LocalImage>(),
  'firmware.local.list': request(z.object({}).strict()).returns<LocalImage[]>(),
  'firmware.local.remove': request(z.object({ id: localImageId }).strict()).returns<boolean>(),
  'firmware.checkFit': request(z.object({ image: imageRef, device: fitDevice, offset: flashOffset.optional() }).strict()).returns<FitCheckResult>(),
};
