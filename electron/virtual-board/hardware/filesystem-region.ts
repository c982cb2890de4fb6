import type { BoardStorage } from '../console-runtime';
import type { NorFlash } from './nor-flash';
import { SECTOR } from './nor-flash';

/**
 * The MicroPython filesystem's region of the board's flash, as the runtime sees it. Because it is
 * real flash, erase_flash wipes it and a full-flash backup carries it, as on hardware.
 */
export function flashRegionStorage(flash: NorFlash, offset: number, size: number): BoardStorage {
  return {
    size,
    read: () => flash.read(offset, size),
    write(data: Uint8Array): void {
      if (data.length > size) {
        throw new RangeError(`The filesystem image (${data.length} bytes) does not fit its ${size}-byte flash region.`);
      }
      flash.eraseSectors(Math.floor(offset / SECTOR), Math.ceil(data.length / SECTOR));
      flash.program(offset, data);
    },
  };
}
