import type { ChipFamily } from '../../../../shared/types/chips';
import { esp32 } from './esp32';
import { esp32c3 } from './esp32c3';
import { esp32s2 } from './esp32s2';
import { esp32s3 } from './esp32s3';
import { esp8266 } from './esp8266';
import type { ChipDescription } from './types';

export type { ChipDescription } from './types';

const CHIPS: Record<ChipFamily, ChipDescription> = { esp8266, esp32, esp32c3, esp32s2, esp32s3 };

export function chipDescription(family: ChipFamily): ChipDescription {
  return CHIPS[family];
}
