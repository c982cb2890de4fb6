import { z } from 'zod';
import { RESET_STRATEGIES, type DeviceSession } from '../types/device';
import type { JobSummary } from '../types/jobs';
import { FLASH_BAUD_RATES } from '../types/settings';
import { event, request } from './define';
import { flashOffset, imageRef } from './firmware';

/** A serial device path or "virtual:<chip>"; never a relative path, a climb out of /dev, or control characters. */
export const portPath = z
  .string()
  .min(1)
  .max(512)
  .refine((path) => ![...path].some((char) => char.charCodeAt(0) < 0x20), { message: 'contains control characters' })
  .refine((path) => /^(\/dev\/|COM\d+$|\\\\\.\\|virtual:)/.test(path), { message: 'is not a serial port (expected /dev/…, COMn or virtual:<chip>)' })
  // "/dev/../etc/passwd" starts with /dev/ but is not under it. The main process also resolves
  // symlinks and checks that the result is a serial device; this refuses the obvious early.
  .refine((path) => !path.replace(/^\\\\\.\\/, '').split(/[\\/]/).some((segment) => segment === '..' || segment === '.'), { message: 'must not contain "." or ".." segments' });

export const sessionId = z.string().regex(/^dev-[0-9a-f-]{36}$/, 'is not a device session id');

const baud = z
  .number()
  .int()
  .refine((value) => (FLASH_BAUD_RATES as readonly number[]).includes(value), { message: `must be one of ${FLASH_BAUD_RATES.join(', ')}` })
  .or(z.literal('auto'));

export const deviceRequests = {
  /** Resets the board into its loader, detects it, starts the flasher stub; progress arrives as a 'connect' job. */
  'device.connect': request(
    z
      .object({
        port: portPath,
        baud: baud.optional(),
        useStub: z.boolean().optional(),
        before: z.enum(RESET_STRATEGIES).optional(),
        inspect: z.boolean().optional(),
      })
      .strict(),
  ).returns<DeviceSession>(),
  'device.disconnect': request(z.object({ sessionId, after: z.enum(['hard-reset', 'no-reset']).optional() }).strict()).returns<null>(),
  'device.list': request(z.object({}).strict()).returns<DeviceSession[]>(),
  /** Starts an 'inspect' job: what seems to be in the flash (MicroPython's version, unknown, empty). */
  'device.inspect': request(z.object({ sessionId }).strict()).returns<JobSummary>(),
  /** Starts an erase job (the whole chip). */
  'device.erase': request(z.object({ sessionId }).strict()).returns<JobSummary>(),
  /** Starts a write job: every image is fit-checked against the board before anything is written. */
  'device.write': request(
    z
      .object({
        sessionId,
        images: z
          .array(z.object({ image: imageRef, offset: flashOffset.optional() }).strict())
          .min(1)
          .max(8),
        flashMode: z.enum(['keep', 'qio', 'qout', 'dio', 'dout']).optional(),
        flashSize: z.enum(['detect', 'keep']).optional(),
        eraseAll: z.boolean().optional(),
      })
      .strict(),
  ).returns<JobSummary>(),
};

export const deviceEvents = {
  /** The full list of connected boards, whenever one connects, changes state or goes away. */
  'device.sessions': event<DeviceSession[]>(),
};
