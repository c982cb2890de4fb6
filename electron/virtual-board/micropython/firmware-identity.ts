import type { ChipFamily } from '../../../shared/types/chips';

/**
 * What the virtual firmware says about itself: the banner line, os.uname(), machine.freq(),
 * machine.unique_id(). The interpreter underneath is the WebAssembly port, but a user (or a
 * tool such as Thonny that parses the banner) should see the version that was flashed.
 */

/**
 * Build dates of MicroPython releases, as their official banners print them. A firmware
 * version string that already carries " on <date>" wins over this table; an unknown version
 * gets a banner without a date rather than an invented one.
 */
export const MICROPYTHON_RELEASE_DATES: Readonly<Record<string, string>> = {
  'v1.19.1': '2022-06-18',
  'v1.20.0': '2023-04-26',
  'v1.21.0': '2023-10-05',
  'v1.22.0': '2023-12-27',
  'v1.22.1': '2024-01-05',
  'v1.22.2': '2024-02-22',
  'v1.23.0': '2024-06-02',
  'v1.24.0': '2024-10-25',
  'v1.24.1': '2024-11-29',
  'v1.25.0': '2025-04-15',
  'v1.26.0': '2025-08-09',
  'v1.26.1': '2025-09-11',
  'v1.27.0': '2025-12-09',
};

/** Default CPU clock of MicroPython builds per family (ESP8266 boots at 80 MHz, the ESP32s at 160 MHz). */
const CPU_FREQUENCY_HZ: Record<ChipFamily, number> = {
  esp8266: 80_000_000,
  esp32: 160_000_000,
  esp32c3: 160_000_000,
  esp32s2: 160_000_000,
  esp32s3: 160_000_000,
};

export interface FirmwareIdentity {
  /** e.g. "v1.24.1" */
  readonly version: string;
  /** e.g. "2024-11-29", or undefined when unknown */
  readonly buildDate: string | undefined;
  /** "MicroPython v1.24.1 on 2024-11-29; Kiln virtual board with ESP32" */
  readonly bannerLine: string;
  /** os.uname() fields */
  readonly sysname: string;
  readonly release: string;
  readonly unameVersion: string;
  readonly machine: string;
  readonly cpuFrequencyHz: number;
  /** machine.unique_id(): the MAC on ESP32 parts (6 bytes), the chip id on ESP8266 (4 bytes). */
  readonly uniqueId: Uint8Array;
}

/** FNV-1a: a stable, cheap hash so the same board name always gets the same unique id. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function firmwareIdentity(options: {
  firmwareVersion: string;
  boardName: string;
  chip: ChipFamily;
}): FirmwareIdentity {
  const text = options.firmwareVersion.trim();
  const [firstToken = ''] = text.split(/\s+/);
  const version = firstToken === '' ? 'v0.0.0' : firstToken.startsWith('v') ? firstToken : `v${firstToken}`;
  const dateInText = /\bon\s+(\d{4}-\d{2}-\d{2})\b/.exec(text)?.[1];
  const buildDate = dateInText ?? MICROPYTHON_RELEASE_DATES[version];
  const versionAndDate = buildDate === undefined ? version : `${version} on ${buildDate}`;

  const bare = version.slice(1);
  const dash = bare.indexOf('-');
  const release = dash < 0 ? bare : `${bare.slice(0, dash)}${bare.includes('-preview') ? '-preview' : ''}`;

  const hash = fnv1a(`${options.chip}:${options.boardName}`);
  const low = [(hash >>> 16) & 0xff, (hash >>> 8) & 0xff, hash & 0xff];
  const uniqueId =
    options.chip === 'esp8266'
      ? Uint8Array.of((hash >>> 24) & 0xff, ...low)
      : Uint8Array.of(0x24, 0x0a, 0xc4, ...low); // an Espressif OUI, as real MACs carry

  return {
    version,
    buildDate,
    bannerLine: `MicroPython ${versionAndDate}; ${options.boardName}`,
    sysname: options.chip === 'esp8266' ? 'esp8266' : 'esp32',
    release,
    unameVersion: versionAndDate,
    machine: options.boardName,
    cpuFrequencyHz: CPU_FREQUENCY_HZ[options.chip],
    uniqueId,
  };
}
