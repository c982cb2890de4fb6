/**
 * Firmware files chosen in a browser (headless mode): the page has the File's bytes but no path,
 * so it sends them in bounded chunks; each upload collects into a temporary file that is then
 * added exactly like a file chosen by path (same checks, same copy, same hash). Sizes are fixed up
 * front and refused beyond any board's flash; an upload left idle is dropped.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalImage } from '../../shared/types/firmware';
import { formatBytes } from '../../shared/format';
import { FirmwareError } from './errors';
import { MAX_FIRMWARE_BYTES } from './resumable-download';

const IDLE_MS = 5 * 60_000;
const MAX_OPEN_UPLOADS = 4;

interface Upload {
  dir: string;
  path: string;
  file: FileHandle;
  size: number;
  received: number;
  timer: NodeJS.Timeout;
}

export class LocalUploads {
  private readonly uploads = new Map<string, Upload>();

  constructor(
    private readonly dir: string,
    private readonly addLocal: (path: string) => Promise<LocalImage>,
  ) {}

  async start(name: string, size: number): Promise<{ uploadId: string }> {
    if (size > MAX_FIRMWARE_BYTES) throw new FirmwareError('too-large', `${name} is ${formatBytes(size)}, larger than any board's flash; it is not a firmware image.`);
    if (this.uploads.size >= MAX_OPEN_UPLOADS) throw new FirmwareError('local-file', 'Too many files are being added at once.', 'Wait for the others to finish, then try again.');
    const uploadId = `upload-${randomUUID()}`;
    const dir = join(this.dir, uploadId);
    await mkdir(dir, { recursive: true });
    const path = join(dir, name);
    const file = await open(path, 'wx');
    this.uploads.set(uploadId, { dir, path, file, size, received: 0, timer: this.idleTimer(uploadId) });
    return { uploadId };
  }

  async chunk(uploadId: string, offset: number, data: Uint8Array): Promise<{ received: number }> {
    const upload = this.require(uploadId);
    if (offset !== upload.received) throw new FirmwareError('local-file', `Expected the bytes from ${upload.received}, got ${offset}.`, 'Choose the file again.');
    if (upload.received + data.length > upload.size) {
      await this.abort(uploadId);
      throw new FirmwareError('local-file', 'The file is larger than announced.', 'Choose the file again.');
    }
    await upload.file.write(data, 0, data.length, offset);
    upload.received += data.length;
    upload.timer.refresh();
    return { received: upload.received };
  }

  async finish(uploadId: string): Promise<LocalImage> {
    const upload = this.require(uploadId);
    try {
      if (upload.received !== upload.size) throw new FirmwareError('local-file', `Only ${formatBytes(upload.received)} of ${formatBytes(upload.size)} arrived.`, 'Choose the file again.');
      await upload.file.close();
      return await this.addLocal(upload.path);
    } finally {
      await this.abort(uploadId);
    }
  }

  async abort(uploadId: string): Promise<void> {
    const upload = this.uploads.get(uploadId);
    if (!upload) return;
    this.uploads.delete(uploadId);
    clearTimeout(upload.timer);
    await upload.file.close().catch(() => undefined);
    await rm(upload.dir, { recursive: true, force: true });
  }

  private require(uploadId: string): Upload {
    const upload = this.uploads.get(uploadId);
    if (!upload) throw new FirmwareError('local-file', 'That upload is no longer open.', 'Choose the file again.');
    return upload;
  }

  private idleTimer(uploadId: string): NodeJS.Timeout {
    const timer = setTimeout(() => void this.abort(uploadId), IDLE_MS);
    timer.unref();
    return timer;
  }
}
