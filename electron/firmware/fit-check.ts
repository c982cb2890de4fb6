/**
 * Board-fit checks, run before anything is written: is this a firmware image at all, is it for
 * this chip, does it fit this board's flash at this offset. Each finding has a stable code and a
 * sentence that says what to do; when the catalog has a build that fits, its id is suggested.
 * Pure: bytes in, verdict out (the service reads the bytes).
 */
import type { CatalogEntry, FitCheckResult, FitDevice, FitIssue, FitIssueCode } from '../../shared/types/firmware';
import { CHIP_DISPLAY_NAMES, type ChipFamily } from '../../shared/types/chips';
import { formatBytes, formatHex32 } from '../../shared/format';
import {
  BOOTLOADER_OFFSETS,
  ImageError,
  flashSizeBytes,
  parseImage,
  type ImageErrorCode,
  type ParsedImage,
} from '../esp/image';
import { summarizeImage } from './image-summary';
import { compareVersions, findTarget, parseFirmwareFileName } from './targets';

const SECTOR = 4096;

export interface FitCheckInput {
  bytes: Uint8Array;
  /** File name, for messages and to recognise MicroPython builds added as local files. */
  name: string;
  device: FitDevice;
  /** Where it would be written; default: the catalog entry's offset, else the chip's boot offset. */
  offset?: number;
  /** The catalog entry the bytes came from, if any. */
  entry?: CatalogEntry;
  /** Entries to suggest from. */
  catalog?: readonly CatalogEntry[];
}

const IMAGE_ERROR_CODES: Record<ImageErrorCode, FitIssueCode> = {
  'empty-file': 'image-empty',
  'not-an-image': 'image-not-firmware',
  'truncated-header': 'image-truncated',
  'truncated-segment': 'image-truncated',
  'truncated-checksum': 'image-truncated',
  'truncated-digest': 'image-truncated',
  'bad-segment-count': 'image-damaged',
  'invalid-option': 'image-damaged',
};

/**
 * The catalog build that best fits a board: right chip, stable, needs no more flash than the board
 * has, the standard variant before special ones (PSRAM), the most capable that fits, the same
 * version as `preferVersion` if possible, else the newest.
 */
export function suggestEntry(
  catalog: readonly CatalogEntry[],
  device: FitDevice,
  preferVersion?: string,
): CatalogEntry | undefined {
  const fits = catalog.filter(
    (e) =>
      e.chip === device.chip &&
      e.channel === 'stable' &&
      (device.flashSizeBytes === null || e.minFlashBytes <= device.flashSizeBytes) &&
      // Special-purpose variants (PSRAM, OTA) are never a safe guess; FLASH_* ones are sizes.
      (e.variant === null || e.variant.startsWith('FLASH_')),
  );
  return [...fits].sort(
    (a, b) =>
      b.minFlashBytes - a.minFlashBytes ||
      Number(b.version === preferVersion) - Number(a.version === preferVersion) ||
      compareVersions(b.version, a.version),
  )[0];
}

function issue(code: FitIssueCode, message: string): FitIssue {
  return { code, message };
}

function chipName(chip: ChipFamily): string {
  return CHIP_DISPLAY_NAMES[chip];
}

export function checkFit(input: FitCheckInput): FitCheckResult {
  const { bytes, name, device } = input;
  const errors: FitIssue[] = [];
  const warnings: FitIssue[] = [];
  const catalog = input.catalog ?? [];
  const nameInfo = parseFirmwareFileName(name);
  const version = input.entry?.version ?? nameInfo?.version;
  const suggestion = (): string | undefined => {
    const best = suggestEntry(catalog, device, version);
    return best && best.id !== input.entry?.id ? best.id : undefined;
  };
  const result = (withSuggestion: boolean, image?: ParsedImage): FitCheckResult => {
    const out: FitCheckResult = { ok: errors.length === 0, errors, warnings };
    const suggested = withSuggestion ? suggestion() : undefined;
    if (suggested) out.suggestion = suggested;
    if (image) out.summary = summarizeImage(image);
    return out;
  };

  if (bytes.length === 0) {
    errors.push(issue('image-empty', `${name} is empty (0 bytes). Download it again or choose another file.`));
    return result(true);
  }
  let image: ParsedImage;
  try {
    image = parseImage(bytes);
  } catch (error) {
    if (!(error instanceof ImageError)) throw error;
    errors.push(issue(IMAGE_ERROR_CODES[error.code], `${name}: ${error.message}`));
    return result(true);
  }

  if (!image.checksum.valid) {
    errors.push(
      issue(
        'image-checksum',
        `${name} is damaged: its checksum is 0x${image.checksum.stored.toString(16).padStart(2, '0')} but its contents give 0x${image.checksum.computed.toString(16).padStart(2, '0')}. Download it again.`,
      ),
    );
  }
  if (image.sha256 && !image.sha256.valid) {
    errors.push(issue('image-digest', `${name} is damaged: the SHA-256 digest stored in the image does not match its contents, and the board would refuse to start it. Download it again.`));
  }

  const imageChip = image.chip;
  if (imageChip === null) {
    errors.push(issue('chip-unsupported', `${name} is for the ${image.chipName}, which Kiln does not flash. Choose a build for the ${chipName(device.chip)}.`));
    return result(true, image);
  }
  if (imageChip !== device.chip) {
    errors.push(
      issue(
        'chip-mismatch',
        `${name} is for the ${chipName(imageChip)}, but this board is an ${chipName(device.chip)}. It would not start; choose an ${chipName(device.chip)} build.`,
      ),
    );
    return result(true, image);
  }

  if (image.format === 'esp8266-v2') {
    warnings.push(
      issue(
        'esp8266-v2-image',
        `${name} is an ESP8266 "V2" image: it only starts behind Espressif's second-stage bootloader (boot_v1.x.bin at 0x0). MicroPython builds are not V2 images.`,
      ),
    );
  }

  const ext = image.extendedHeader;
  if (ext && device.revision !== undefined) {
    const rev = (r: number) => `v${Math.floor(r / 100)}.${r % 100}`;
    if (ext.minChipRevFull > 0 && device.revision < ext.minChipRevFull) {
      errors.push(issue('chip-revision', `${name} needs chip revision ${rev(ext.minChipRevFull)} or newer; this board's chip is ${rev(device.revision)}. Choose another build.`));
    } else if (ext.maxChipRevFull !== 0 && ext.maxChipRevFull !== 0xffff && device.revision > ext.maxChipRevFull) {
      errors.push(issue('chip-revision', `${name} supports chip revisions up to ${rev(ext.maxChipRevFull)}; this board's chip is ${rev(device.revision)}. Choose a newer build.`));
    }
  }

  const bootOffset = BOOTLOADER_OFFSETS[imageChip];
  const offset = input.offset ?? input.entry?.writeOffset ?? bootOffset;
  let sizeProblem = false;
  if (offset % SECTOR !== 0) {
    errors.push(issue('offset-unaligned', `The write offset ${formatHex32(offset)} is not on a 4 KiB flash sector boundary. Use ${formatHex32(bootOffset)} for MicroPython on the ${chipName(imageChip)}.`));
  } else if (offset !== bootOffset) {
    warnings.push(
      issue(
        'offset-unusual',
        `MicroPython's .bin for the ${chipName(imageChip)} goes at ${formatHex32(bootOffset)}, where the chip's ROM looks for the bootloader; at ${formatHex32(offset)} the board may not start.`,
      ),
    );
  }

  if (device.flashSizeBytes === null) {
    warnings.push(issue('flash-size-unknown', `Kiln could not tell this board's flash size, so it cannot check that ${name} fits.`));
  } else {
    const flash = device.flashSizeBytes;
    if (offset + bytes.length > flash) {
      sizeProblem = true;
      errors.push(
        issue(
          'too-big-for-flash',
          `${name} is ${formatBytes(bytes.length)}; written at ${formatHex32(offset)} it needs ${formatBytes(offset + bytes.length)} of flash, but this board has ${formatBytes(flash)}.`,
        ),
      );
    }
    const target = input.entry
      ? { minFlashBytes: input.entry.minFlashBytes }
      : nameInfo
        ? findTarget(nameInfo.boardId, nameInfo.variant)
        : undefined;
    if (!sizeProblem && target && target.minFlashBytes > flash) {
      sizeProblem = true;
      errors.push(
        issue(
          'build-needs-more-flash',
          `${name} is built for boards with ${formatBytes(target.minFlashBytes)} of flash or more; this board has ${formatBytes(flash)}, so MicroPython would not start or would have no room for files.`,
        ),
      );
    }
    if (image.flashSize && flashSizeBytes(image.flashSize) > flash) {
      warnings.push(
        issue(
          'header-flash-size',
          `The image header says ${image.flashSize} of flash but this board has ${formatBytes(flash)}; write it with the flash size set to the board's (or "detect") so the header matches.`,
        ),
      );
    }
  }
  return result(sizeProblem, image);
}
