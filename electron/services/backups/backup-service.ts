/**
 * Backups as the app and the CLI use them: read a board's flash into the library as a job,
 * restore one through the board's write path, guarded, and look at what firmware a board holds.
 */
import type { BackupEntry, BoardRecord, FirmwareGuess, FlashRegion, RestoreCheck } from '../../../shared/types/backups';
import { CHIP_DISPLAY_NAMES } from '../../../shared/types/chips';
import { KilnError } from '../../../shared/types/errors';
import { formatBytes, formatHex32 } from '../../../shared/format';
import type { JobSummary } from '../../../shared/types/jobs';
import { readFlash } from '../../esp/operations';
import { BOOTLOADER_OFFSETS } from '../../esp/image';
import type { DeviceSessions } from '../device-sessions';
import type { JobManager } from '../job-manager';
import type { BoardHistory } from './board-history';
import { guessFirmware } from './firmware-guess';
import type { BackupLibrary } from './library';
import { checkRestore } from './restore-check';

export interface BackupServiceOptions {
  library: BackupLibrary;
  history: BoardHistory;
  devices: DeviceSessions;
  jobs: JobManager;
  /** The library changed (a backup added, renamed, deleted, imported). */
  onChanged?(): void;
}

export interface CreateBackupRequest {
  sessionId: string;
  label?: string;
  region?: FlashRegion;
}

export interface RestoreRequest {
  id: string;
  sessionId: string;
  confirmed: true;
  allowOtherBoard?: boolean;
}

/** The first piece of flash a quick firmware look reads (from the boot offset), through the stub. */
const PROBE_WINDOW = 64 * 1024;

export class BackupService {
  constructor(private readonly options: BackupServiceOptions) {}

  get library(): BackupLibrary {
    return this.options.library;
  }

  list(query?: string): Promise<BackupEntry[]> {
    return this.options.library.list(query);
  }

  history(): Promise<BoardRecord[]> {
    return this.options.history.list();
  }

  /** Starts a 'backup' job. Checked before it starts: flash size known, region inside it. */
  create(request: CreateBackupRequest): JobSummary {
    const { devices, library, history } = this.options;
    const device = devices.get(request.sessionId);
    const flashSize = device.info.flash?.sizeBytes ?? null;
    const region = request.region ?? (flashSize === null ? null : { offset: 0, size: flashSize });
    if (!region) {
      throw new KilnError('device', 'Kiln could not tell the size of this board’s flash, so it cannot back up the whole of it.', 'Back up a region instead (offset and size).');
    }
    if (flashSize !== null && region.offset + region.size > flashSize) {
      throw new KilnError('bad-request', `The region ${formatHex32(region.offset)}–${formatHex32(region.offset + region.size)} goes past the end of the ${formatBytes(flashSize)} flash.`, 'Choose a region inside the flash.');
    }
    const whole = flashSize !== null && region.offset === 0 && region.size === flashSize;
    const label = request.label?.trim() || `${CHIP_DISPLAY_NAMES[device.info.chip]} ${device.info.mac}${whole ? '' : ` at ${formatHex32(region.offset)}`}`;
    return devices.runOnBoard(request.sessionId, 'backup', `Back up ${whole ? 'the flash' : formatBytes(region.size)} of ${device.port}`, async ({ session, info }, { signal, progress }) => {
      // Refuse a read-only or full folder now, not after minutes of reading.
      await library.ensureRoom(region.size);
      const bytes = await readFlash(session, region.offset, region.size, { signal, onProgress: progress });
      if (signal.aborted) return;
      const entry = await library.add(bytes, {
        label,
        chip: info.chip,
        chipDescription: info.description,
        mac: info.mac,
        flash: info.flash,
        flashSizeBytes: info.flash?.sizeBytes ?? null,
        region,
        origin: 'device',
      });
      this.options.onChanged?.();
      await history.backedUp(info, entry).catch(() => undefined);
    });
  }

  async checkRestore(id: string, sessionId: string): Promise<RestoreCheck> {
    const entry = await this.options.library.get(id);
    return checkRestore(entry, this.options.devices.get(sessionId));
  }

  /** Starts a 'restore' job after the guards: same chip, enough flash, the user's OK for another board's backup. */
  async restore(request: RestoreRequest): Promise<JobSummary> {
    const { library, devices } = this.options;
    const device = devices.get(request.sessionId);
    const { entry, bytes } = await library.readImage(request.id);
    const check = checkRestore(entry, device);
    if (!check.ok) throw new KilnError('firmware', `Kiln will not restore "${entry.label}" onto this board: ${check.errors.join(' ')}`);
    if (check.otherBoard && !request.allowOtherBoard) {
      throw new KilnError('bad-request', check.warnings[0] ?? 'This backup is of another board.', 'Confirm that you want to restore another board’s backup onto this one.');
    }
    return devices.writeRaw({
      sessionId: request.sessionId,
      kind: 'restore',
      title: `Restore "${entry.label}" to ${device.port}`,
      what: `backup "${entry.label}"`,
      regions: [{ offset: entry.region.offset, data: bytes, name: entry.label }],
    });
  }

  async rename(id: string, label: string): Promise<BackupEntry> {
    const entry = await this.options.library.rename(id, label);
    this.options.onChanged?.();
    return entry;
  }

  async remove(id: string): Promise<void> {
    await this.options.library.remove(id);
    this.options.onChanged?.();
  }

  async importFile(...args: Parameters<BackupLibrary['importFile']>): Promise<BackupEntry> {
    const entry = await this.options.library.importFile(...args);
    this.options.onChanged?.();
    return entry;
  }

  /**
   * What firmware is on a connected board, from a small read at the boot offset (64 KiB through
   * the stub; the first sector and the ESP32 app description through the ESP32 ROM, which reads
   * slowly). The ESP8266 ROM cannot read flash at all.
   */
  async probeFirmware(sessionId: string): Promise<FirmwareGuess> {
    const { devices, jobs } = this.options;
    const device = devices.get(sessionId);
    const chip = device.info.chip;
    if (!device.info.usingStub && chip === 'esp8266') {
      return { kind: 'unknown', version: null, summary: 'Unknown: the ESP8266 ROM cannot read flash (connect with the flasher stub to look)' };
    }
    let guess: FirmwareGuess | null = null;
    const boot = BOOTLOADER_OFFSETS[chip];
    const job = devices.runOnBoard(sessionId, 'probe', `Look at the firmware on ${device.port}`, async ({ session }, { signal }) => {
      const flashSize = (await session.flashSize()) ?? 0;
      if (session.usingStub) {
        const size = Math.min(PROBE_WINDOW, Math.max(0, flashSize - boot));
        guess = guessFirmware(await readFlash(session, boot, size, { signal }), chip, boot);
        return;
      }
      // ESP32-family ROM: the first sector at the boot offset, and where ESP-IDF apps describe themselves.
      const first = await readFlash(session, boot, 0x1000, { signal });
      const window = new Uint8Array(0x10000 + 0x100 - boot).fill(0xff);
      window.set(first, 0);
      if (flashSize >= 0x10100) window.set(await readFlash(session, 0x10000, 0x100, { signal }), 0x10000 - boot);
      guess = guessFirmware(window, chip, boot);
    });
    const done = await jobs.settled(job.id);
    if (done.error) throw new KilnError(done.error.code, done.error.message, done.error.hint);
    if (!guess) throw new KilnError('cancelled', 'Looking at the firmware was cancelled.');
    return guess;
  }
}
