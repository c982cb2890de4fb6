import { z } from 'zod';
import { request } from './define';
import type { LocalImage } from '../types/firmware';

/**
 * Firmware files chosen in a browser (headless mode has no paths): sent in chunks of at most
 * UPLOAD_CHUNK_BYTES (base64, so a frame stays well under the WebSocket's limit), then added
 * exactly like a file chosen by path.
 */
export const UPLOAD_CHUNK_BYTES = 96 * 1024;
export const uploadId = z.string().regex(/^upload-[0-9a-f-]{36}$/, 'is not an upload id');
/** A plain file name: no directories, no control characters. */
const fileName = z
  .string()
  .min(1)
  .max(200)
  .refine((name) => !/[/\\]/.test(name) && ![...name].some((char) => char.charCodeAt(0) < 0x20) && name !== '.' && name !== '..', {
    message: 'is not a plain file name',
  });

export const uploadsRequests = {
  'firmware.upload.start': request(z.object({ name: fileName, size: z.number().int().min(1).max(256 * 1024 * 1024) }).strict()).returns<{ uploadId: string }>(),
  'firmware.upload.chunk': request(
    z
      .object({
        uploadId,
        offset: z.number().int().min(0),
        base64: z
          .string()
          .max(Math.ceil(UPLOAD_CHUNK_BYTES / 3) * 4)
          .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'is not base64'),
      })
      .strict(),
  ).returns<{ received: number }>(),
  'firmware.upload.finish': request(z.object({ uploadId }).strict()).returns<LocalImage>(),
};
