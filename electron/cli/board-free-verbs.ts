/**
 * The verbs that need no board: image-info (what esptool's image_info shows, in Kiln's words),
 * merge-bin (one image from several, gaps filled with 0xFF, ready to write at one offset) and
 * version. Files are read through the write plan's bounded reader and checked the same way.
 */
import { formatBytes, formatHex32 } from '../../shared/format';
import { ImageError, patchImageHeader, parseImage, BOOTLOADER_OFFSETS, type FlashParams, type ParsedImage } from '../esp/image';
import { writeFileAtomic } from '../fs/atomic-file';
import { checkWriteRequest, readInputFile, WriteRefusedError, type PlannedImage } from '../firmware/write-plan';
import { KILN_VERSION } from '../version';
import { UsageError, type CliOptions, type FilePair } from './args';
import type { CliOutput } from './output';

const EXIT_OK = 0;
const EXIT_FAILED = 1;

const FORMAT_NAMES: Record<ParsedImage['format'], string> = {
  esp8266: 'ESP8266 (version 1 image, loaded by the ROM)',
  'esp8266-v2': 'ESP8266 version 2 image (needs the second-stage bootloader)',
  'esp32-family': 'ESP32-family image (extended header)',
};

const revision = (full: number): string => `v${Math.floor(full / 100)}.${full % 100}`;
const hex2 = (v: number): string => `0x${v.toString(16).padStart(2, '0')}`;

export async function imageInfo(file: string, out: CliOutput): Promise<number> {
  const bytes = await readInputFile(file);
  let image: ParsedImage;
  try {
    image = parseImage(bytes);
  } catch (error) {
    if (!(error instanceof ImageError)) throw error;
    throw new WriteRefusedError('firmware', `${file} is not a usable firmware image: ${error.message}`, false);
  }
  const damaged: string[] = [];
  if (!image.checksum.valid) damaged.push(`its checksum is ${hex2(image.checksum.stored)} but the contents give ${hex2(image.checksum.computed)}`);
  if (image.sha256 && !image.sha256.valid) damaged.push('the SHA-256 digest stored in it does not match its contents');

  out.say(`File size: ${bytes.length} bytes (${formatBytes(bytes.length)})`);
  out.say(`Image for: ${image.chipName}${image.chip === null ? ' (a chip Kiln does not flash)' : ''}`);
  out.say(`Format: ${FORMAT_NAMES[image.format]}`);
  out.say(`Entry point: ${formatHex32(image.entry)}`);
  out.say(`Segments: ${image.segmentCount}`);
  image.segments.forEach((segment, i) => {
    out.say(`  Segment ${i + 1}: ${segment.length} bytes, loaded at ${formatHex32(segment.loadAddress)} (file offset ${formatHex32(segment.dataOffset)})`);
  });
  out.say(
    `Flash settings: mode ${image.flashMode?.toUpperCase() ?? `unknown (${hex2(image.flashModeCode)})`}, ` +
      `size ${image.flashSize ?? `unknown (code ${image.flashSizeCode})`}, frequency ${image.flashFreq ?? `unknown (code ${image.flashFreqCode})`}`,
  );
  const ext = image.extendedHeader;
  if (ext) {
    const max = ext.maxChipRevFull === 0 || ext.maxChipRevFull === 0xffff ? 'any' : revision(ext.maxChipRevFull);
    out.say(`Chip revisions: ${revision(ext.minChipRevFull)} to ${max}`);
  }
  out.say(`Checksum: ${hex2(image.checksum.stored)} (${image.checksum.valid ? 'valid' : `INVALID: the contents give ${hex2(image.checksum.computed)}`})`);
  if (image.sha256) out.say(`SHA-256 digest: ${Buffer.from(image.sha256.stored).toString('hex')} (${image.sha256.valid ? 'valid' : 'INVALID'})`);
  else if (image.format === 'esp32-family') out.say('SHA-256 digest: none appended');
  if (image.trailingBytes > 0) {
    out.say(`After the image: ${image.trailingBytes} more bytes (${formatBytes(image.trailingBytes)}), such as the partition table and application of a combined .bin`);
  }
  out.say(damaged.length === 0 ? 'The image is valid.' : `The image is damaged: ${damaged.join('; ')}. Download it again.`);
  out.result({
    command: 'image-info',
    ok: damaged.length === 0,
    file,
    size: bytes.length,
    chip: image.chip,
    chipName: image.chipName,
    format: image.format,
    entry: image.entry,
    segments: image.segments.map((s) => ({ loadAddress: s.loadAddress, length: s.length, fileOffset: s.dataOffset })),
    flashMode: image.flashMode,
    flashSize: image.flashSize,
    flashFreq: image.flashFreq,
    checksum: { stored: image.checksum.stored, computed: image.checksum.computed, valid: image.checksum.valid },
    sha256Valid: image.sha256 ? image.sha256.valid : null,
    trailingBytes: image.trailingBytes,
  });
  return damaged.length === 0 ? EXIT_OK : EXIT_FAILED;
}

export async function mergeBin(output: string, files: FilePair[], options: CliOptions, out: CliOutput): Promise<number> {
  const loaded: PlannedImage[] = [];
  for (const { offset, file } of files) loaded.push({ offset, data: await readInputFile(file), name: file, kind: 'data' });
  const images = checkWriteRequest(loaded);
  const start = options.targetOffset;
  const first = images[0]!;
  if (first.offset < start) throw new UsageError(`${first.name} at ${formatHex32(first.offset)} lies before --target-offset ${formatHex32(start)}.`);
  const params: FlashParams = {};
  if (options.flashMode !== 'keep') params.flashMode = options.flashMode;
  if (options.flashFreq !== 'keep') params.flashFreq = options.flashFreq;
  if (options.flashSize === 'detect') throw new UsageError('merge-bin has no board to detect the flash size of: give a size such as --flash-size 4MB, or keep.');
  if (options.flashSize !== 'keep') params.flashSize = options.flashSize;
  const patching = Object.keys(params).length > 0;
  if (patching && options.chip === 'auto') throw new UsageError('merge-bin needs --chip to change the flash settings in the bootloader header (e.g. --chip esp32).');

  const last = images[images.length - 1]!;
  const end = last.offset + last.data.length;
  const length = Math.max(end - start, options.fillFlashSize === null ? 0 : options.fillFlashSize - start);
  const merged = new Uint8Array(length).fill(0xff);
  for (const image of images) {
    let data = image.data;
    if (patching && options.chip !== 'auto' && image.offset === BOOTLOADER_OFFSETS[options.chip]) {
      try {
        data = patchImageHeader(data, options.chip, params);
      } catch (error) {
        if (!(error instanceof ImageError)) throw error;
        out.warn(`${image.name} at ${formatHex32(image.offset)} is not a firmware image, so its flash settings were not changed.`);
      }
    }
    merged.set(data, image.offset - start);
  }
  await writeFileAtomic(output, merged);
  out.say(`Wrote ${formatHex32(merged.length)} bytes to file ${output}, ready to flash to offset ${formatHex32(start)}`);
  out.result({ command: 'merge-bin', ok: true, output, size: merged.length, targetOffset: start, parts: images.map((i) => ({ offset: i.offset, size: i.data.length, file: i.name })) });
  return EXIT_OK;
}

export function version(out: CliOutput): number {
  out.say(`Kiln ${KILN_VERSION}`);
  out.result({ command: 'version', ok: true, version: KILN_VERSION });
  return EXIT_OK;
}
