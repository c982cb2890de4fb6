/** The plain-data header summary shown in lists and on the fit-check screen. */
import type { ImageSummary } from '../../shared/types/firmware';
import { describeImage, type ParsedImage } from '../esp/image';

export function summarizeImage(image: ParsedImage): ImageSummary {
  return {
    format: image.format,
    chip: image.chip,
    chipName: image.chipName,
    segmentCount: image.segmentCount,
    flashMode: image.flashMode,
    flashSize: image.flashSize,
    flashFreq: image.flashFreq,
    entry: image.entry,
    checksumValid: image.checksum.valid,
    sha256Valid: image.sha256 ? image.sha256.valid : null,
    description: describeImage(image),
  };
}
