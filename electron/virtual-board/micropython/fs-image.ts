import { crc32 } from './crc32';

/**
 * How the virtual board's MicroPython filesystem is laid out in its flash region.
 *
 * Real firmware keeps LittleFS or FAT there; we only need something small that survives a
 * reset, shows up in a full-flash backup, and is recognisably "not a filesystem" once the
 * region is erased or overwritten. So: a 16-byte header, then a flat list of entries.
 *
 *   header  magic "KLNF" | version u16 | entry count u16 | payload length u32 | CRC-32 of payload u32
 *   entry   kind u8 (1 file, 2 directory) | reserved u8 | path length u16 | data length u32
 *           | path (UTF-8, relative, "/"-separated) | data
 *
 * All integers little-endian. Anything that fails a check (erased 0xFF, wrong magic, unknown
 * version, bad CRC, malformed entry) reads as "no filesystem", which the firmware answers by
 * formatting, just as MicroPython does with a blank or damaged partition.
 */

export const FS_IMAGE_MAGIC = Uint8Array.of(0x4b, 0x4c, 0x4e, 0x46); // "KLNF"
export const FS_IMAGE_VERSION = 1;
export const FS_IMAGE_HEADER_BYTES = 16;
export const FS_IMAGE_ENTRY_HEADER_BYTES = 8;

const KIND_FILE = 1;
const KIND_DIR = 2;
const MAX_ENTRIES = 0xffff;
const MAX_PATH_BYTES = 0xffff;

export type FsEntry =
  | { readonly kind: 'dir'; readonly path: string }
  | { readonly kind: 'file'; readonly path: string; readonly data: Uint8Array };

export type FsImageReadResult =
  | { readonly status: 'ok'; readonly entries: FsEntry[] }
  /** Every byte is 0xFF: the region was erased (or never written). */
  | { readonly status: 'blank' }
  | { readonly status: 'corrupt'; readonly reason: string };

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Bytes an image holding these entries takes; the firmware uses it to refuse writes that would not fit. */
export function fsImageSize(entries: readonly FsEntry[]): number {
  let size = FS_IMAGE_HEADER_BYTES;
  for (const entry of entries) {
    size += FS_IMAGE_ENTRY_HEADER_BYTES + utf8.encode(entry.path).length;
    if (entry.kind === 'file') size += entry.data.length;
  }
  return size;
}

/** A path as stored: relative, "/"-separated, no empty, "." or ".." segments, no NUL. */
export function isValidFsPath(path: string): boolean {
  if (path.length === 0 || path.includes('\0')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

export function encodeFsImage(entries: readonly FsEntry[]): Uint8Array {
  if (entries.length > MAX_ENTRIES) {
    throw new RangeError(`A filesystem image holds at most ${MAX_ENTRIES} entries.`);
  }
  const image = new Uint8Array(fsImageSize(entries));
  const view = new DataView(image.buffer);
  let offset = FS_IMAGE_HEADER_BYTES;
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!isValidFsPath(entry.path)) throw new RangeError(`Invalid path in filesystem image: ${JSON.stringify(entry.path)}`);
    if (seen.has(entry.path)) throw new RangeError(`Duplicate path in filesystem image: ${entry.path}`);
    seen.add(entry.path);
    const path = utf8.encode(entry.path);
    if (path.length > MAX_PATH_BYTES) throw new RangeError(`Path too long for a filesystem image: ${entry.path}`);
    const data = entry.kind === 'file' ? entry.data : new Uint8Array(0);
    view.setUint8(offset, entry.kind === 'file' ? KIND_FILE : KIND_DIR);
    view.setUint8(offset + 1, 0);
    view.setUint16(offset + 2, path.length, true);
    view.setUint32(offset + 4, data.length, true);
    offset += FS_IMAGE_ENTRY_HEADER_BYTES;
    image.set(path, offset);
    offset += path.length;
    image.set(data, offset);
    offset += data.length;
  }
  const payload = image.subarray(FS_IMAGE_HEADER_BYTES);
  image.set(FS_IMAGE_MAGIC, 0);
  view.setUint16(4, FS_IMAGE_VERSION, true);
  view.setUint16(6, entries.length, true);
  view.setUint32(8, payload.length, true);
  view.setUint32(12, crc32(payload), true);
  return image;
}

function isErased(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0xff) return false;
  return true;
}

export function decodeFsImage(region: Uint8Array): FsImageReadResult {
  if (isErased(region)) return { status: 'blank' };
  if (region.length < FS_IMAGE_HEADER_BYTES) return { status: 'corrupt', reason: 'region smaller than a header' };
  for (let i = 0; i < FS_IMAGE_MAGIC.length; i++) {
    if (region[i] !== FS_IMAGE_MAGIC[i]) return { status: 'corrupt', reason: 'no filesystem magic' };
  }
  const view = new DataView(region.buffer, region.byteOffset, region.byteLength);
  const version = view.getUint16(4, true);
  if (version !== FS_IMAGE_VERSION) return { status: 'corrupt', reason: `unknown version ${version}` };
  const count = view.getUint16(6, true);
  const payloadLength = view.getUint32(8, true);
  if (payloadLength > region.length - FS_IMAGE_HEADER_BYTES) return { status: 'corrupt', reason: 'payload runs past the region' };
  const payload = region.subarray(FS_IMAGE_HEADER_BYTES, FS_IMAGE_HEADER_BYTES + payloadLength);
  if (crc32(payload) !== view.getUint32(12, true)) return { status: 'corrupt', reason: 'checksum mismatch' };

  const entries: FsEntry[] = [];
  const seen = new Set<string>();
  let offset = FS_IMAGE_HEADER_BYTES;
  const end = FS_IMAGE_HEADER_BYTES + payloadLength;
  for (let i = 0; i < count; i++) {
    if (offset + FS_IMAGE_ENTRY_HEADER_BYTES > end) return { status: 'corrupt', reason: `entry ${i} header truncated` };
    const kind = view.getUint8(offset);
    const pathLength = view.getUint16(offset + 2, true);
    const dataLength = view.getUint32(offset + 4, true);
    offset += FS_IMAGE_ENTRY_HEADER_BYTES;
    if (offset + pathLength + dataLength > end) return { status: 'corrupt', reason: `entry ${i} truncated` };
    let path: string;
    try {
      path = utf8Strict.decode(region.subarray(offset, offset + pathLength));
    } catch {
      return { status: 'corrupt', reason: `entry ${i} path is not UTF-8` };
    }
    offset += pathLength;
    if (!isValidFsPath(path) || seen.has(path)) return { status: 'corrupt', reason: `entry ${i} has a bad path` };
    seen.add(path);
    if (kind === KIND_FILE) {
      entries.push({ kind: 'file', path, data: region.slice(offset, offset + dataLength) });
    } else if (kind === KIND_DIR && dataLength === 0) {
      entries.push({ kind: 'dir', path });
    } else {
      return { status: 'corrupt', reason: `entry ${i} has unknown kind ${kind}` };
    }
    offset += dataLength;
  }
  if (offset !== end) return { status: 'corrupt', reason: 'trailing bytes after the last entry' };
  return { status: 'ok', entries };
}
