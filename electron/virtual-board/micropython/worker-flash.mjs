// The board's flash filesystem inside the interpreter (part of the MicroPython worker, see
// micropython-worker.mjs; the image format is fs-image.ts, written by the board's end).
//
// The user's files live in the emscripten filesystem under /flash, which Python sees as "/".
// Wrapping the emscripten calls that Python's file operations reach tells us when something
// changed (so only then a snapshot goes to the board's flash) and lets us refuse writes that
// would not fit the flash region, with ENOSPC as a full board would.

import { WASI_ENOSPC } from './worker-wasm-imports.mjs';

export const FLASH_ROOT = '/flash';

const O_WRONLY = 0o1;
const O_RDWR = 0o2;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;
/** A changed filesystem is saved before output goes out, at most this often while code runs. */
const SAVE_INTERVAL_WHILE_RUNNING_MS = 50;

const utf8 = new TextEncoder();

function isFlashPath(path) {
  return typeof path === 'string' && (path === FLASH_ROOT || path.startsWith(`${FLASH_ROOT}/`));
}

function relative(path) {
  return path.slice(FLASH_ROOT.length + 1);
}

export class WorkerFlash {
  /**
   * @param {{ capacity: number, imageHeaderBytes: number, entryHeaderBytes: number,
   *           post: (message: object, transfer: ArrayBuffer[]) => void, countSnapshot: () => void }} options
   */
  constructor({ capacity, imageHeaderBytes, entryHeaderBytes, post, countSnapshot }) {
    this.capacity = capacity;
    this.imageHeaderBytes = imageHeaderBytes;
    this.entryHeaderBytes = entryHeaderBytes;
    this.post = post;
    this.countSnapshot = countSnapshot;
    this.fs = null;
    this.changed = false;
    this.lastSaveAt = 0;
  }

  /** Puts the files into a fresh interpreter's filesystem, then watches it. */
  attach(fs, entries, hooks) {
    this.fs = fs;
    this.mkdirs(FLASH_ROOT);
    for (const entry of entries) {
      const full = `${FLASH_ROOT}/${entry.path}`;
      if (entry.kind === 'dir') {
        this.mkdirs(full);
      } else {
        this.mkdirs(full.slice(0, full.lastIndexOf('/')));
        fs.writeFile(full, entry.data);
      }
    }
    this.wrap(hooks);
    this.changed = false;
  }

  mkdirs(path) {
    let current = '';
    for (const segment of path.split('/').filter(Boolean)) {
      current += `/${segment}`;
      if (!this.exists(current)) this.fs.mkdir(current);
    }
  }

  exists(path) {
    try {
      this.fs.lookupPath(path);
      return true;
    } catch {
      return false;
    }
  }

  /** Bytes the filesystem image would take now (header, then per entry: header, path, data). */
  usage() {
    const { fs } = this;
    let used = this.imageHeaderBytes;
    const walk = (dir) => {
      for (const name of fs.readdir(dir)) {
        if (name === '.' || name === '..') continue;
        const full = `${dir}/${name}`;
        const node = fs.lookupPath(full).node;
        used += this.entryHeaderBytes + utf8.encode(relative(full)).length;
        if (fs.isDir(node.mode)) walk(full);
        else used += node.usedBytes ?? 0;
      }
    };
    walk(FLASH_ROOT);
    return used;
  }

  refuseIfFull(extraBytes) {
    if (extraBytes > 0 && this.usage() + extraBytes > this.capacity) throw new this.fs.ErrnoError(WASI_ENOSPC);
  }

  newEntryCost(path) {
    return this.entryHeaderBytes + utf8.encode(relative(path)).length;
  }

  snapshot() {
    const { fs } = this;
    const entries = [];
    const walk = (dir) => {
      for (const name of fs.readdir(dir).sort()) {
        if (name === '.' || name === '..') continue;
        const full = `${dir}/${name}`;
        const node = fs.lookupPath(full).node;
        if (fs.isDir(node.mode)) {
          entries.push({ kind: 'dir', path: relative(full) });
          walk(full);
        } else if (fs.isFile(node.mode)) {
          entries.push({ kind: 'file', path: relative(full), data: fs.readFile(full).slice() });
        }
      }
    };
    walk(FLASH_ROOT);
    return entries;
  }

  /** Posts a snapshot for the board to write to flash, then counts it (FS_POSTED in uart-channel.ts). */
  saveIfChanged() {
    if (!this.changed || this.fs === null) return;
    this.changed = false;
    this.lastSaveAt = performance.now();
    const entries = this.snapshot();
    const transfer = entries.filter((entry) => entry.kind === 'file').map((entry) => entry.data.buffer);
    this.post({ type: 'fs', entries }, transfer);
    this.countSnapshot();
  }

  /**
   * Output may go out once the files it may report on are saved: a host that sees a prompt may
   * reset the board at once. While code runs, saving waits up to SAVE_INTERVAL_WHILE_RUNNING_MS
   * (and the output with it); `force` saves now.
   */
  readyForOutput(force) {
    if (!this.changed) return true;
    if (!force && performance.now() - this.lastSaveAt < SAVE_INTERVAL_WHILE_RUNNING_MS) return false;
    this.saveIfChanged();
    return true;
  }

  /**
   * Wraps the emscripten calls Python's file operations reach: flash changes and size, and two
   * console hooks that ride along (a write to stdout, a read from stdin).
   */
  wrap({ onConsoleWrite, onStdinRead }) {
    const { fs } = this;
    const original = {
      read: fs.read,
      write: fs.write,
      open: fs.open,
      mkdir: fs.mkdir,
      rmdir: fs.rmdir,
      unlink: fs.unlink,
      rename: fs.rename,
      truncate: fs.truncate,
      ftruncate: fs.ftruncate,
    };
    fs.read = (stream, ...rest) => {
      if (stream?.path === '/dev/stdin') onStdinRead();
      return original.read(stream, ...rest);
    };
    fs.write = (stream, data, offset, length, position, canOwn) => {
      if (stream && isFlashPath(stream.path) && length > 0) {
        const current = stream.node.usedBytes ?? 0;
        const at = stream.flags & O_APPEND ? current : typeof position === 'number' ? position : stream.position;
        this.refuseIfFull(at + length - current);
        this.changed = true;
      }
      const written = original.write(stream, data, offset, length, position, canOwn);
      if (stream && (stream.path === '/dev/stdout' || stream.path === '/dev/stderr')) onConsoleWrite();
      return written;
    };
    fs.open = (path, flags, mode) => {
      if (isFlashPath(path)) {
        const numeric = typeof flags === 'string' ? fs.modeStringToFlags(flags) : flags;
        if (numeric & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)) {
          if (numeric & O_CREAT && !this.exists(path)) this.refuseIfFull(this.newEntryCost(path));
          this.changed = true;
        }
      }
      return original.open(path, flags, mode);
    };
    fs.mkdir = (path, mode) => {
      if (isFlashPath(path)) {
        if (!this.exists(path)) this.refuseIfFull(this.newEntryCost(path));
        this.changed = true;
      }
      return original.mkdir(path, mode);
    };
    for (const name of ['rmdir', 'unlink', 'truncate']) {
      fs[name] = (path, ...rest) => {
        if (isFlashPath(path)) this.changed = true;
        return original[name](path, ...rest);
      };
    }
    fs.rename = (from, to) => {
      if (isFlashPath(from) || isFlashPath(to)) this.changed = true;
      return original.rename(from, to);
    };
    fs.ftruncate = (fd, length) => {
      this.changed = true;
      return original.ftruncate(fd, length);
    };
  }
}
