/** Chip families Kiln knows. Pure data: no Node, no DOM. */
export const CHIP_FAMILIES = ['esp8266', 'esp32', 'esp32c3', 'esp32s2', 'esp32s3'] as const;
export type ChipFamily = (typeof CHIP_FAMILIES)[number];

/** Names as Espressif writes them, for people. */
export const CHIP_DISPLAY_NAMES: Record<ChipFamily, string> = {
  esp8266: 'ESP8266',
  esp32: 'ESP32',
  esp32c3: 'ESP32-C3',
  esp32s2: 'ESP32-S2',
  esp32s3: 'ESP32-S3',
};

export function isChipFamily(value: string): value is ChipFamily {
  return (CHIP_FAMILIES as readonly string[]).includes(value);
}
