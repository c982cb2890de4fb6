import { randomUUID } from 'node:crypto';
import { detect, eraseFlash, EspError, openSession, type EspSession, type FlashImage } from '../esp';
import { ImageError } from '../esp/image';
import type { Link } from '../serial/link';
import { LinkClosedError } from '../serial/link';
import type { DeviceInfo, DeviceSession, ResetStrategy } from '../../shared/types/device';
import { KilnError } from '../../shared/types/errors';
import type { ImageRef } from '../../shared/types/firmware';
import { formatHex32 } from '../../shared/format';
import type { JobKind, JobSummary } from '../../shared/types/jobs';
import type { FirmwareService } from '../firmware/service';
import { executeWritePlan, type PlannedImage } from '../firmware/write-plan';
import type { JobContext, JobManager } from './job-manager';
import { resolveSerialDevicePath } from './serial-device-path';
import { probeFlashContents } from './firmware-probe';

export interface DeviceSessionsOptions {
  jobs: JobManager;
  firmware: FirmwareService;
  openLink(path: string, baud: number): Promise<Link>;
  /** Called with the full list whenever it changes. */
  publish(sessions: DeviceSession[]): void;
  /** The baud to write at once the stub runs (the user's setting). */
  defaultBaud(): number;
  /**
   * Turns a requested port into the device to open, or throws a KilnError. By default virtual
   * ports pass as they are and device paths must resolve to a serial device (serial-device-path.ts).
   */
  resolvePort?(path: string): Promise<string>;
  /** Runs before a connect opens anything, with the ports of every current session; throws to refuse. */
  admitPort?(path: string, connectedPorts: string[]): void;
  /** A port's session is over (disconnected, or its connect failed): free what it held. */
  releasePort?(path: string): Promise<void>;
  /** A board connected (the board history records it). */
  onConnected?(info: DeviceInfo): void;
  /** A write to a board succeeded; `what` names what was written. */
  onWritten?(info: DeviceInfo, what: string): void;
}

/**
 * Raw regions to write as they are (a backup being restored): no firmware fit check applies, the
 * caller has checked them; header bytes are kept; every region is verified by the board's MD5.
 */
export interface RawWriteRequest {
  sessionId: string;
  kind: 'restore';
  title: string;
  /** What the board history records as written. */
  what: string;
  regions: FlashImage[];
}

export interface ConnectRequest {
  port: string;
  baud?: number;
  useStub?: boolean;
  before?: ResetStrategy;
  /** Also look at what is in the flash (a few hundred KB read), shown as the session's contents. */
  inspect?: boolean;
}

export interface WriteRequest {
  sessionId: string;
  images: { image: ImageRef; offset?: number }[];
  flashMode?: 'keep' | 'qio' | 'qout' | 'dio' | 'dout';
  flashSize?: 'detect' | 'keep';
  eraseAll?: boolean;
}

interface Entry {
  summary: DeviceSession;
  session: EspSession;
  unwatch: () => void;
}

/**
 * The boards Kiln is connected to, one session per port, any number at once (a classroom). Each
 * long operation runs as a job holding the board's port; engine errors become readable KilnErrors.
 */
export class DeviceSessions {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: DeviceSessionsOptions) {}

  list(): DeviceSession[] {
    return [...this.entries.values()].map((entry) => structuredClone(entry.summary));
  }

  /** Connects as a 'connect' job (so the UI sees its stages) and resolves when the board is ready. */
  async connect(request: ConnectRequest): Promise<DeviceSession> {
    // What is checked is what gets opened: /dev/serial/by-id/… and /dev/ttyUSB0 are one port.
    const port = await (this.options.resolvePort ?? defaultResolvePort)(request.port);
    const existing = [...this.entries.values()].find((entry) => entry.summary.port === port && entry.summary.status !== 'lost');
    if (existing) throw new KilnError('busy', `Kiln is already connected to ${port}.`, 'Use that connection, or disconnect it first.');
    this.options.admitPort?.(port, [...this.entries.values()].map((entry) => entry.summary.port));
    let connected: DeviceSession | null = null;
    const job = this.options.jobs.start({ kind: 'connect', title: `Connect to ${port}`, port }, async (context) => {
      connected = await this.establish({ ...request, port }, context);
    });
    const done = await this.options.jobs.settled(job.id);
    if (done.status === 'cancelled' || done.error || !connected) await this.release(port);
    if (done.status === 'cancelled') throw new KilnError('cancelled', 'Connecting was cancelled.');
    if (done.error || !connected) throw new KilnError(done.error?.code ?? 'device', done.error?.message ?? 'Could not connect.', done.error?.hint);
    return connected;
  }

  async disconnect(sessionId: string, after: 'hard-reset' | 'no-reset' = 'hard-reset'): Promise<void> {
    const entry = this.require(sessionId, { allowLost: true });
    this.entries.delete(sessionId);
    entry.unwatch();
    try {
      if (entry.summary.status !== 'lost') await entry.session.close(after);
    } catch (error) {
      throw toKilnError(error);
    } finally {
      await this.release(entry.summary.port);
      this.publish();
    }
  }

  /** Never fails the caller: freeing a board is housekeeping, and the session is already gone. */
  private async release(port: string): Promise<void> {
    await this.options.releasePort?.(port).catch(() => undefined);
  }

  erase(sessionId: string): JobSummary {
    const entry = this.require(sessionId);
    return this.runJob(entry, 'erase', `Erase the flash of ${entry.summary.port}`, async ({ signal, progress }) => {
      await eraseFlash(entry.session, { signal, onProgress: progress });
    });
  }

  write(request: WriteRequest): JobSummary {
    const entry = this.require(request.sessionId);
    const names = request.images.map((item) => (item.image.kind === 'catalog' ? item.image.entryId : 'a local image'));
    return this.runJob(entry, 'flash', `Write ${names.join(', ')} to ${entry.summary.port}`, async (context) => {
      const { signal, progress } = context;
      const images: PlannedImage[] = [];
      for (const item of request.images) {
        const resolved = await this.options.firmware.resolveImage(item.image);
        const offset = item.offset ?? resolved.writeOffset;
        images.push({
          offset,
          data: resolved.bytes,
          name: `${resolved.name} at ${formatHex32(offset)}`,
          kind: 'firmware',
          // The catalog-aware check (suggestions, the build's flash needs), on the bytes already resolved.
          fitCheck: (device, at) => this.options.firmware.checkResolvedFit(resolved, device, { offset: at }),
        });
      }
      // Every check (overlap, fit, chip) passes before the erase: a refused request leaves the board as it was.
      const written = await executeWritePlan(
        entry.session,
        images,
        {
          eraseAll: request.eraseAll ?? false,
          device: { chip: entry.summary.info.chip, flashSizeBytes: entry.summary.info.flash?.sizeBytes ?? null },
          write: {
            flashSize: request.flashSize ?? 'detect',
            ...(request.flashMode && request.flashMode !== 'keep' ? { flashMode: request.flashMode } : {}),
          },
        },
        { signal, onProgress: progress },
      );
      this.options.onWritten?.(entry.summary.info, names.join(', '));
      context.setResult({
        kind: 'flash',
        regions: written.regions.map(({ offset, size, md5, verified, sentBytes, unchangedBytes }) => ({ offset, size, md5, verified, sentBytes, unchangedBytes })),
        warnings: written.warnings,
      });
    });
  }

  /** Looks at what is in the board's flash (a job of kind 'inspect'); the session's contents follow. */
  inspect(sessionId: string): JobSummary {
    const entry = this.require(sessionId);
    return this.runJob(entry, 'inspect', `Look at the flash of ${entry.summary.port}`, async (context) => {
      const contents = await probeFlashContents(entry.session, { signal: context.signal, onProgress: context.progress });
      if (contents) {
        entry.summary.contents = contents;
        context.setResult({ kind: 'inspect', contents });
      }
    });
  }

  /** The summary of one connected board. */
  get(sessionId: string): DeviceSession {
    return structuredClone(this.require(sessionId).summary);
  }

  writeRaw(request: RawWriteRequest): JobSummary {
    const entry = this.require(request.sessionId);
    return this.runJob(entry, request.kind, request.title, async ({ signal, progress }) => {
      // The same one write path as every other write: board-free checks (alignment, overlap) and the fit
      // to this board's flash run before anything is written. A backup is raw flash, so the image-content
      // checks (a valid firmware image at the bootloader offset) do not apply: force skips only those.
      const result = await executeWritePlan(
        entry.session,
        request.regions.map((region) => ({ offset: region.offset, data: region.data, name: region.name ?? request.title, kind: 'data' as const })),
        {
          force: true,
          device: { chip: entry.summary.info.chip, flashSizeBytes: entry.summary.info.flash?.sizeBytes ?? null },
          write: { flashSize: 'keep', verify: true },
        },
        { signal, onProgress: progress },
      );
      const unverified = result.regions.filter((region) => !region.verified);
      if (unverified.length > 0) {
        throw new KilnError('device', `The board wrote the data but could not check it (${unverified.length} region${unverified.length === 1 ? '' : 's'} unverified).`, 'Connect with the flasher stub on and restore again.');
      }
      this.options.onWritten?.(entry.summary.info, request.what);
    });
  }

  /**
   * A job that holds the board (its port, its 'busy' state) and gets its engine session: reads
   * such as backups. Engine errors become KilnErrors as for every other job.
   */
  runOnBoard(sessionId: string, kind: JobKind, title: string, body: (board: { session: EspSession; info: DeviceInfo }, context: JobContext) => Promise<void>): JobSummary {
    const entry = this.require(sessionId);
    return this.runJob(entry, kind, title, (context) => body({ session: entry.session, info: entry.summary.info }, context));
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.entries.keys()].map((id) => this.disconnect(id, 'no-reset')));
  }

  private async establish(request: ConnectRequest, context: JobContext): Promise<DeviceSession> {
    const baud = request.baud ?? this.options.defaultBaud();
    let link: Link;
    try {
      link = await this.options.openLink(request.port, 115200);
    } catch (error) {
      throw cannotOpen(request.port, error);
    }
    try {
      const session = await openSession(link, {
        baudRate: baud,
        useStub: request.useStub ?? true,
        before: request.before ?? 'default-reset',
        signal: context.signal,
        onProgress: context.progress,
      });
      const info = await detect(session, { signal: context.signal });
      const summary: DeviceSession = { id: `dev-${randomUUID()}`, port: request.port, info, warnings: [...session.warnings], status: 'ready' };
      if (request.inspect) {
        const contents = await probeFlashContents(session, { signal: context.signal, onProgress: context.progress });
        if (contents) summary.contents = contents;
      }
      const unwatch = link.onClose(() => {
        const entry = this.entries.get(summary.id);
        if (entry) {
          entry.summary.status = 'lost';
          this.publish();
        }
      });
      this.entries.set(summary.id, { summary, session, unwatch });
      this.publish();
      this.options.onConnected?.(info);
      return structuredClone(summary);
    } catch (error) {
      await link.close().catch(() => undefined);
      throw toKilnError(error);
    }
  }

  private runJob(entry: Entry, kind: JobKind, title: string, body: (context: JobContext) => Promise<void>): JobSummary {
    const job = this.options.jobs.start({ kind, title, port: entry.summary.port }, async (context) => {
      entry.summary.status = 'busy';
      this.publish();
      try {
        await body(context);
      } catch (error) {
        throw toKilnError(error);
      } finally {
        if (entry.summary.status === 'busy') entry.summary.status = 'ready';
        this.publish();
      }
    });
    return job;
  }

  private require(sessionId: string, options: { allowLost?: boolean } = {}): Entry {
    const entry = this.entries.get(sessionId);
    if (!entry) throw new KilnError('not-found', 'That board is no longer connected.', 'Connect it again.');
    if (entry.summary.status === 'lost' && !options.allowLost) {
      throw new KilnError('device', `The connection to ${entry.summary.port} was lost.`, 'Check the USB cable, then connect again.');
    }
    return entry;
  }

  private publish(): void {
    this.options.publish(this.list());
  }
}

function defaultResolvePort(path: string): Promise<string> {
  return path.startsWith('virtual:') ? Promise.resolve(path) : resolveSerialDevicePath(path);
}

/** Engine, link and image failures carry sentences written for people; keep them, with a code the UI can use. */
export function toKilnError(error: unknown): unknown {
  if (error instanceof KilnError) return error;
  if (error instanceof EspError) return new KilnError('device', error.message);
  if (error instanceof LinkClosedError) return new KilnError('device', error.message);
  if (error instanceof ImageError) return new KilnError('firmware', error.message);
  return error;
}

/** Whatever stops a port from opening (missing, busy, no permission) is the port's problem, not a bug in Kiln. */
function cannotOpen(port: string, error: unknown): KilnError {
  if (error instanceof KilnError) return error;
  const reason = error instanceof Error ? error.message.replace(/\.$/, '') : String(error);
  return new KilnError(
    'device',
    `Could not open ${port}: ${reason}.`,
    'Check that the board is plugged in and that no other program (a serial monitor, the Arduino IDE) has the port open. On Linux, join the "dialout" group.',
  );
}
