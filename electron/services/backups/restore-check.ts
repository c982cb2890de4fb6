/**
 * Whether a backup may go onto a connected board: refusals (wrong chip, flash too small, no way
 * to verify) and warnings the user must accept (another board's backup). Pure: nothing is read.
 */
import type { BackupEntry, RestoreCheck } from '../../../shared/types/backups';
import { CHIP_DISPLAY_NAMES } from '../../../shared/types/chips';
import type { DeviceSession } from '../../../shared/types/device';
import { formatBytes, formatHex32 } from '../../../shared/format';

export function checkRestore(entry: BackupEntry, device: DeviceSession): RestoreCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  const { info } = device;
  if (entry.chip !== info.chip) {
    errors.push(`This backup is of an ${CHIP_DISPLAY_NAMES[entry.chip]}; the connected board is an ${CHIP_DISPLAY_NAMES[info.chip]}. A backup only restores onto the same chip.`);
  }
  const end = entry.region.offset + entry.region.size;
  const flashSize = info.flash?.sizeBytes ?? null;
  if (flashSize === null) {
    errors.push('Kiln could not tell the size of this board’s flash, so it cannot check that the backup fits.');
  } else if (end > flashSize) {
    errors.push(
      `This backup needs ${formatBytes(end)} of flash (up to ${formatHex32(end)}); the connected board has ${formatBytes(flashSize)}.`,
    );
  }
  if (!info.usingStub && info.chip === 'esp8266') {
    errors.push('Without the flasher stub the ESP8266 ROM cannot check what was written. Connect again with the stub on.');
  }
  if (device.status !== 'ready') errors.push(device.status === 'busy' ? 'The board is busy with another job.' : 'The connection to the board was lost.');
  const otherBoard = entry.mac !== null && entry.mac.toLowerCase() !== info.mac.toLowerCase();
  if (otherBoard) {
    warnings.push(
      `This backup was made from another board (${entry.mac}); the connected one is ${info.mac}. Restoring copies that board’s firmware and settings (such as saved Wi-Fi networks) onto this one.`,
    );
  }
  if (entry.mac === null) warnings.push('This backup was imported without a MAC address, so Kiln cannot tell which board it came from.');
  return { ok: errors.length === 0, errors, warnings, otherBoard };
}
