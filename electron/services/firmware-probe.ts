/**
 * "What seems to be on the board now": a cheap look at the start of the firmware in flash, so the
 * wizard can say "MicroPython v1.24.1", "unknown firmware" or "empty" before anything is written
 * (and the backup screen can say what a backup holds). It reads at most PROBE_LIMIT_BYTES through
 * the flasher stub, in chunks, and stops as soon as it knows: erased flash, MicroPython's banner
 * string, or the end of the image (a chunk of erased flash).
 *
 * Where to look: MicroPython's banner ("MicroPython v1.28.0 on 2026-04-06; ESP32 module with
 * ESP32") sits in the firmware's read-only data. On the ESP32 family that is the app image at
 * 0x10000, whose first segment is normally the flash-mapped rodata; on the ESP8266 the whole
 * firmware starts at 0x0.
 */
import { readFlash, type EspSession } from '../esp';
import { ProgressTracker, type OperationContext } from '../esp/progress';
import type { FlashContents } from '../../shared/types/device';
import { formatHex32 } from '../../shared/format';

export const PROBE_CHUNK_BYTES = 32 * 1024;
/** Bytes read at most: about 3 s at 921600 baud, 6 s at 460800. */
export const PROBE_LIMIT_BYTES = 256 * 1024;
const HEADER_BYTES = 4096;
/** Where ESP-IDF (and so MicroPython on the ESP32 family) puts the factory app. */
const ESP32_FAMILY_APP_OFFSET = 0x10000;
const IMAGE_MAGIC = 0xe9;
/** A banner split across two chunks is still found: each search includes this much of the previous chunk. */
const OVERLAP_BYTES = 256;

export interface MicroPythonBanner {
  /** "v1.28.0" or "v1.29.0-preview.41.g0123abcd". */
  version: string;
  date: string | null;
  /** The whole line, e.g. "MicroPython v1.28.0 on 2026-04-06; ESP32 module with ESP32". */
  banner: string;
}

const BANNER = /MicroPython (v\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.+-]{1,60})?)(?: on (\d{4}-\d{2}-\d{2}))?(?:; ([\x20-\x7e]{1,100}))?/;

/** Finds MicroPython's banner string in raw flash bytes (they are ASCII in the image). */
export function findMicroPythonBanner(bytes: Uint8Array): MicroPythonBanner | null {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const match = BANNER.exec(text);
  if (!match || match[1] === undefined) return null;
  return { version: match[1], date: match[2] ?? null, banner: match[0] };
}

export function isErased(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte === 0xff);
}

/**
 * Looks at the flash (through the stub) and says what seems to be there; null when it cannot
 * look (ROM loader only: reading through the ROM takes hours).
 */
export async function probeFlashContents(session: EspSession, context: OperationContext = {}): Promise<FlashContents | null> {
  if (!session.usingStub) return null;
  const flashSize = (await session.flashSize()) ?? 0;
  const family = session.chip.family;
  const bootOffset = session.chip.bootloaderOffset;
  const scanStart = family === 'esp8266' ? 0 : ESP32_FAMILY_APP_OFFSET;
  const limit = Math.max(0, Math.min(PROBE_LIMIT_BYTES, flashSize - scanStart));
  const tracker = new ProgressTracker('reading', HEADER_BYTES + limit, context.onProgress, 'Looking at what is on the board');
  let readSoFar = 0;
  const read = async (offset: number, size: number): Promise<Uint8Array> => {
    const base = readSoFar;
    const data = await readFlash(session, offset, size, {
      ...(context.signal ? { signal: context.signal } : {}),
      onProgress: (progress) => {
        if (progress.stage === 'reading') tracker.update(base + progress.done, 'Looking at what is on the board');
      },
    });
    readSoFar += size;
    return data;
  };

  if (flashSize < bootOffset + HEADER_BYTES) return { kind: 'unknown', detail: 'Kiln could not tell the flash size, so it did not look at the flash.' };
  const boot = await read(bootOffset, HEADER_BYTES);
  if (isErased(boot)) {
    if (family === 'esp8266' || limit < HEADER_BYTES) return { kind: 'empty' };
    const app = await read(scanStart, HEADER_BYTES);
    if (isErased(app)) return { kind: 'empty' };
    return { kind: 'unknown', detail: `There is data at ${formatHex32(scanStart)} but no bootloader at ${formatHex32(bootOffset)}, so the board will not start.` };
  }
  if (boot[0] !== IMAGE_MAGIC) {
    return { kind: 'unknown', detail: `The flash at ${formatHex32(bootOffset)} does not hold a firmware image (first byte 0x${boot[0]!.toString(16).padStart(2, '0').toUpperCase()}).` };
  }
  const inBoot = findMicroPythonBanner(boot);
  if (inBoot) return { kind: 'micropython', ...inBoot };

  let previousTail: Uint8Array = new Uint8Array(0);
  for (let offset = scanStart; offset < scanStart + limit; offset += PROBE_CHUNK_BYTES) {
    const size = Math.min(PROBE_CHUNK_BYTES, scanStart + limit - offset);
    const chunk = offset === bootOffset && size <= boot.length ? boot.subarray(0, size) : await read(offset, size);
    const window = new Uint8Array(previousTail.length + chunk.length);
    window.set(previousTail);
    window.set(chunk, previousTail.length);
    const banner = findMicroPythonBanner(window);
    if (banner) return { kind: 'micropython', ...banner };
    // The image ended (flash after it is erased): nothing further belongs to this firmware.
    if (isErased(chunk)) break;
    previousTail = chunk.subarray(Math.max(0, chunk.length - OVERLAP_BYTES));
  }
  return { kind: 'unknown', detail: 'A firmware image, but Kiln found no MicroPython version in it.' };
}
