import type { Link } from '../serial/link';
import { classifyUnresponsive, PythonError, RawReplUnavailableError, ReplProtocolError, ReplTimeoutError } from './errors';
import {
  ABORT_WRITE_CODE,
  CLOSE_READ_CODE,
  CLOSE_WRITE_CODE,
  fileDigestCode,
  fsUsageCode,
  listDirCode,
  mkdirCode,
  openForReadCode,
  openForWriteCode,
  parseFileDigestOutput,
  parseFsUsageOutput,
  parseListDirOutput,
  parseReadFileOutput,
  PLATFORM_CODE,
  READ_CHUNK_BYTES,
  READ_CHUNKS_CODE,
  READ_CHUNKS_PER_EXEC,
  removeCode,
  removeTreeCode,
  renameCode,
  WRITE_LINE_BYTES,
  WRITE_LINES_PER_EXEC,
  writeChunkCode,
  type DirEntry,
  type FileDigest,
} from './file-commands';
import { concat, LinkReader } from './link-reader';

/**
 * A client for MicroPython's raw REPL over any Link (a real serial port or a virtual board),
 * the protocol mpremote, ampy and Thonny use to run code and move files:
 *   Ctrl-A enters raw mode ("raw REPL; CTRL-B to exit\r\n>"); code ended by Ctrl-D is answered
 *   "OK", its stdout, \x04, its exceptions, \x04, then ">". Raw-paste mode (Ctrl-E 'A' Ctrl-A)
 *   adds flow control for large blocks; older firmware without it gets the code in 256-byte
 *   chunks with short pauses, as its small UART buffer needs.
 */

const CTRL_A = 0x01;
const CTRL_B = 0x02;
const CTRL_C = 0x03;
const CTRL_D = 0x04;
const RAW_REPL_BANNER = 'raw REPL; CTRL-B to exit\r\n';
const CLASSIC_CHUNK_BYTES = 256;

export interface RawReplOptions {
  /** How long the board may stay silent while it should be answering (ms). */
  timeoutMs?: number;
  /** Pause between 256-byte chunks when the board lacks raw-paste mode (ms). */
  chunkPauseMs?: number;
  /**
   * Gets what the board printed while enter() got it to the raw REPL (a program's last output,
   * the rest of a boot message), which a terminal shows rather than loses.
   */
  onSkipped?: (bytes: Uint8Array) => void;
}

export interface ExecOptions {
  /** Silence allowed while the code runs (ms); long-running code needs more. */
  timeoutMs?: number;
  /** Called with stdout as it arrives (for a terminal showing progress). */
  onStdout?: (text: string) => void;
}

export interface ExecResult {
  stdout: string;
  /** The traceback when the code raised, else empty. */
  stderr: string;
}

export interface WriteFileOptions {
  onProgress?: (written: number, total: number) => void;
  /** Checked between chunks: a cancelled write closes the file and stops. */
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const utf8 = new TextEncoder();

export class RawRepl {
  private readonly reader: LinkReader;
  private readonly timeoutMs: number;
  private readonly chunkPauseMs: number;
  private readonly onSkipped: ((bytes: Uint8Array) => void) | undefined;
  private rawMode = false;
  private rawPaste: boolean | undefined;

  constructor(
    private readonly link: Link,
    options: RawReplOptions = {},
  ) {
    this.reader = new LinkReader(link);
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.chunkPauseMs = options.chunkPauseMs ?? 10;
    this.onSkipped = options.onSkipped;
  }

  /** True between enter() and exit() as far as this client knows. */
  get inRawMode(): boolean {
    return this.rawMode;
  }

  /** Whether the board accepted raw-paste mode; undefined until the first exec. */
  get supportsRawPaste(): boolean | undefined {
    return this.rawPaste;
  }

  /** Stops whatever runs on the board (Ctrl-C twice) and drops its pending output, which it returns. */
  async interrupt(): Promise<Uint8Array> {
    await this.link.write(Uint8Array.of(0x0d, CTRL_C));
    await sleep(50);
    await this.link.write(Uint8Array.of(CTRL_C));
    return this.reader.drain(100, 1000);
  }

  /**
   * Interrupts any running program and switches the board to the raw REPL. Output the board
   * prints meanwhile (a program's last lines, a boot message) is skipped; each attempt has a
   * deadline on the whole wait, so a board that keeps printing cannot hold it forever. When it
   * fails, what the board printed tells a bootloader from other firmware from silence.
   */
  async enter(options: { softReset?: boolean; attempts?: number } = {}): Promise<void> {
    const seen: Uint8Array[] = [];
    let entered = false;
    // A board busy in a tight loop may need another round (the virtual board restarts its
    // interpreter after a second of ignoring Ctrl-C; real firmware reacts to the next Ctrl-C).
    for (let attempt = 0; attempt < (options.attempts ?? 2) && !entered; attempt++) {
      try {
        seen.push(await this.interrupt());
        await this.link.write(Uint8Array.of(0x0d, CTRL_A));
        await this.reader.readUntil(`${RAW_REPL_BANNER}>`, this.timeoutMs, 'entering the raw REPL', (bytes) => seen.push(bytes), this.timeoutMs * 2);
        entered = true;
      } catch (error) {
        if (!(error instanceof ReplTimeoutError)) throw error;
      }
    }
    this.onSkipped?.(concat(seen));
    if (!entered) {
      const all = concat(seen);
      throw new RawReplUnavailableError('no "raw REPL" prompt after Ctrl-A', classifyUnresponsive(all));
    }
    this.rawMode = true;
    if (options.softReset) await this.softReset();
  }

  /** Back to the friendly REPL (">>> "), as a terminal expects it. */
  async exit(): Promise<void> {
    await this.link.write(Uint8Array.of(CTRL_B));
    this.rawMode = false;
    try {
      await this.reader.readUntil('>>> ', this.timeoutMs, 'leaving the raw REPL');
    } catch (error) {
      if (!(error instanceof ReplTimeoutError)) throw error;
      // The board left raw mode anyway; a missing prompt is not worth failing over.
    }
  }

  /** Soft reset from the raw REPL: a fresh interpreter, boot.py runs, main.py does not; stays in raw mode. */
  async softReset(): Promise<void> {
    if (!this.rawMode) await this.enter();
    await this.link.write(Uint8Array.of(CTRL_D));
    await this.reader.readUntil('soft reboot\r\n', this.timeoutMs, 'soft-resetting');
    // boot.py may print between the two markers.
    await this.reader.readUntil(`${RAW_REPL_BANNER}>`, this.timeoutMs, 'restarting after a soft reset');
  }

  /** Runs code on the board; an exception ends up in stderr, not as a thrown error. */
  async exec(code: string | Uint8Array, options: ExecOptions = {}): Promise<ExecResult> {
    if (!this.rawMode) await this.enter();
    const bytes = typeof code === 'string' ? utf8.encode(code) : code;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    let sent = false;
    if (this.rawPaste !== false) sent = await this.sendRawPaste(bytes);
    if (!sent) await this.sendClassic(bytes);
    return this.readResult(timeoutMs, options.onStdout);
  }

  /** Runs code and returns its stdout; throws PythonError (with the traceback) if it raised. */
  async execChecked(code: string, context?: string, options: ExecOptions = {}): Promise<string> {
    const result = await this.exec(code, options);
    if (result.stderr.trim() !== '') throw new PythonError(result.stderr, context);
    return result.stdout;
  }

  async writeFile(path: string, data: Uint8Array, options: WriteFileOptions = {}): Promise<void> {
    const context = `Could not write ${path} on the board`;
    await this.execChecked(openForWriteCode(path), context);
    const perExec = WRITE_LINE_BYTES * WRITE_LINES_PER_EXEC;
    try {
      for (let offset = 0; offset < data.length; offset += perExec) {
        options.signal?.throwIfAborted();
        const chunk = data.subarray(offset, offset + perExec);
        await this.execChecked(writeChunkCode(chunk), context);
        options.onProgress?.(offset + chunk.length, data.length);
      }
      await this.execChecked(CLOSE_WRITE_CODE, context);
    } catch (error) {
      if (error instanceof PythonError || options.signal?.aborted) await this.exec(ABORT_WRITE_CODE).catch(() => undefined);
      throw error;
    }
    if (data.length === 0) options.onProgress?.(0, 0);
  }

  async readFile(path: string, options: { onProgress?: (read: number) => void } = {}): Promise<Uint8Array> {
    const context = `Could not read ${path} from the board`;
    await this.execChecked(openForReadCode(path), context);
    const parts: Uint8Array[] = [];
    let total = 0;
    try {
      for (;;) {
        const stdout = await this.execChecked(READ_CHUNKS_CODE, context);
        let chunk: Uint8Array;
        try {
          chunk = parseReadFileOutput(stdout);
        } catch (error) {
          throw new ReplProtocolError(`reading ${path}: ${(error as Error).message}`);
        }
        parts.push(chunk);
        total += chunk.length;
        options.onProgress?.(total);
        if (chunk.length < READ_CHUNK_BYTES * READ_CHUNKS_PER_EXEC) break;
      }
    } finally {
      await this.exec(CLOSE_READ_CODE).catch(() => undefined);
    }
    const data = new Uint8Array(total);
    let offset = 0;
    for (const part of parts) {
      data.set(part, offset);
      offset += part.length;
    }
    return data;
  }

  async listDir(path = '/'): Promise<DirEntry[]> {
    const stdout = await this.execChecked(listDirCode(path), `Could not list ${path} on the board`);
    try {
      return parseListDirOutput(path, stdout);
    } catch (error) {
      throw new ReplProtocolError(`listing ${path}: ${(error as Error).message}`);
    }
  }

  /** Removes a file or an empty folder. */
  async remove(path: string): Promise<void> {
    await this.execChecked(removeCode(path), `Could not remove ${path} on the board`);
  }

  async mkdir(path: string, options: { existOk?: boolean } = {}): Promise<void> {
    await this.execChecked(mkdirCode(path, options.existOk ?? false), `Could not create the folder ${path} on the board`);
  }

  /** Removes a file, or a folder and everything in it. */
  async removeTree(path: string): Promise<void> {
    await this.execChecked(removeTreeCode(path), `Could not remove ${path} on the board`);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.execChecked(renameCode(from, to), `Could not rename ${from} to ${to} on the board`);
  }

  /** Size and SHA-256 of a file as the board's filesystem holds it (sha256 null without hashlib). */
  async digest(path: string): Promise<FileDigest> {
    const stdout = await this.execChecked(fileDigestCode(path), `Could not check ${path} on the board`);
    try {
      return parseFileDigestOutput(stdout);
    } catch (error) {
      throw new ReplProtocolError(`checking ${path}: ${(error as Error).message}`);
    }
  }

  /** Size and free space of the filesystem holding `path`; null where the port has no statvfs. */
  async fsUsage(path = '/'): Promise<{ totalBytes: number; freeBytes: number } | null> {
    const result = await this.exec(fsUsageCode(path));
    if (result.stderr.trim() !== '') return null;
    try {
      return parseFsUsageOutput(result.stdout);
    } catch {
      return null;
    }
  }

  /** The port MicroPython was built for ("esp8266", "esp32", ...). */
  async platform(): Promise<string> {
    return (await this.execChecked(PLATFORM_CODE, 'Could not ask the board what it is')).trim();
  }

  /** Raw-paste mode; false when the board does not offer it (then nothing of the code was sent). */
  private async sendRawPaste(bytes: Uint8Array): Promise<boolean> {
    await this.link.write(Uint8Array.of(0x05, 0x41, CTRL_A));
    const answer = await this.reader.readExactly(2, this.timeoutMs, 'starting raw-paste mode');
    if (answer[0] === 0x52 && answer[1] === 0x00) {
      // Understood but refused; the board is back at its ">" prompt.
      this.rawPaste = false;
      await this.reader.readUntil('>', this.timeoutMs, 'returning to the raw REPL');
      return false;
    }
    if (!(answer[0] === 0x52 && answer[1] === 0x01)) {
      // Firmware older than raw-paste took Ctrl-A as "restart the raw REPL" and printed its banner.
      this.rawPaste = false;
      const rest = `${RAW_REPL_BANNER}>`.slice(2);
      if (String.fromCharCode(answer[0]!, answer[1]!) !== RAW_REPL_BANNER.slice(0, 2)) {
        throw new ReplProtocolError(`answer ${JSON.stringify(String.fromCharCode(answer[0]!, answer[1]!))} to a raw-paste request`);
      }
      await this.reader.readUntil(rest, this.timeoutMs, 'returning to the raw REPL');
      return false;
    }
    this.rawPaste = true;
    const sizeBytes = await this.reader.readExactly(2, this.timeoutMs, 'reading the raw-paste window');
    const windowSize = sizeBytes[0]! | (sizeBytes[1]! << 8);
    if (windowSize === 0) throw new ReplProtocolError('a raw-paste window of 0 bytes');
    let windowLeft = windowSize;
    let offset = 0;
    while (offset < bytes.length) {
      // Take every flow-control byte that arrived; wait for one while the window is used up.
      for (;;) {
        const byte = windowLeft === 0 ? await this.pollOrTimeout('waiting for the board to take more code') : await this.reader.poll();
        if (byte === undefined) break;
        if (byte === 0x01) {
          windowLeft += windowSize;
        } else if (byte === CTRL_D) {
          // The board ended the transfer early (a syntax error); acknowledge and read its answer.
          await this.link.write(Uint8Array.of(CTRL_D));
          return true;
        } else {
          throw new ReplProtocolError(`byte 0x${byte.toString(16)} during raw-paste flow control`);
        }
      }
      const piece = bytes.subarray(offset, offset + windowLeft);
      await this.link.write(piece);
      windowLeft -= piece.length;
      offset += piece.length;
    }
    await this.link.write(Uint8Array.of(CTRL_D));
    // The board acknowledges the end of the code with \x04 (window updates may still precede it).
    await this.reader.readUntil(Uint8Array.of(CTRL_D), this.timeoutMs, 'finishing the raw-paste transfer');
    return true;
  }

  private async pollOrTimeout(what: string): Promise<number> {
    const byte = await this.reader.poll(this.timeoutMs);
    if (byte === undefined) throw new ReplTimeoutError(what, this.timeoutMs);
    return byte;
  }

  private async sendClassic(bytes: Uint8Array): Promise<void> {
    for (let offset = 0; offset < bytes.length; offset += CLASSIC_CHUNK_BYTES) {
      await this.link.write(bytes.subarray(offset, offset + CLASSIC_CHUNK_BYTES));
      if (offset + CLASSIC_CHUNK_BYTES < bytes.length) await sleep(this.chunkPauseMs);
    }
    await this.link.write(Uint8Array.of(CTRL_D));
    const ok = await this.reader.readExactly(2, this.timeoutMs, 'sending code');
    if (!(ok[0] === 0x4f && ok[1] === 0x4b)) {
      throw new ReplProtocolError(`${JSON.stringify(String.fromCharCode(...ok))} instead of "OK" after the code`);
    }
  }

  private async readResult(timeoutMs: number, onStdout?: (text: string) => void): Promise<ExecResult> {
    const streaming = onStdout ? new TextDecoder() : undefined;
    const stdout = await this.reader.readUntil(
      Uint8Array.of(CTRL_D),
      timeoutMs,
      'running code',
      onStdout && streaming ? (bytes) => onStdout(streaming.decode(bytes, { stream: true })) : undefined,
    );
    const stderr = await this.reader.readUntil(Uint8Array.of(CTRL_D), this.timeoutMs, 'reading the error output');
    await this.reader.readUntil('>', this.timeoutMs, 'waiting for the raw REPL prompt');
    const decoder = new TextDecoder();
    return { stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
  }
}

