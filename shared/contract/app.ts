import { z } from 'zod';
import { request } from './define';
import type { Settings } from '../types/settings';
import { FLASH_BAUD_RATES } from '../types/settings';

export interface AppInfo {
  name: string;
  version: string;
  /** 'electron': the desktop app; 'headless': services in plain Node, UI in a browser. */
  mode: 'electron' | 'headless';
  platform: string;
  /** Where Kiln keeps its cache, backups and settings. */
  dataDir: string;
}

const baud = z
  .number()
  .int()
  .refine((value) => (FLASH_BAUD_RATES as readonly number[]).includes(value), { message: `must be one of ${FLASH_BAUD_RATES.join(', ')}` })
  .or(z.literal('auto'));

export const appRequests = {
  'app.info': request(z.object({}).strict()).returns<AppInfo>(),
  'settings.get': request(z.object({}).strict()).returns<Settings>(),
  'settings.update': request(
    z
      .object({
        demoBoard: z.boolean().optional(),
        flashBaud: baud.optional(),
      })
      .strict(),
  ).returns<Settings>(),
};
