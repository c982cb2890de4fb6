import { randomUUID } from 'node:crypto';
import { hardResetSequence } from '../esp/reset';
import { downloadPath, uploadPaths, uploadVerified, type TransferProgress } from '../repl/board-files';
import { ESP8266_ROM_BAUD, looksLikeWrongBaud, mentionsEsp8266, ROM_LINE_QUIET_MS, ROM_LINE_WAIT_MS, WRONG_BAUD_NOTE } from '../repl/boot-line';
import { PythonError, RawReplUnavailableError, ReplProtocolError, ReplTimeoutError, UploadMismatchError } from '../repl/errors';
import { concat } from '../repl/link-reader';
import { pythonString } from '../repl/python-literal';
import { RawRepl } from '../repl/raw-repl';
import { LinkClosedError, ModemLinesUnsupportedError, type Link } from '../serial/link';
import { KilnError } from '../../shared/types/errors';
import type { JobSummary } from '../../shared/types/jobs';
import type { BoardFileListing, ReplOutput, ReplSessionInfo } from '../../shared/types/repl';
import { explainNoRawRepl } from './bootloader-probe';
import type { JobContext, JobManager } from './job-manager';

/**
 * REPL sessions: the terminal and the file manager of a board running MicroPython. A session owns
 * its port: it streams the console to the renderer (batched, base64), takes keystrokes, resets the
 * board, reopens the port after the board re-enumerates or is plugged back in, and runs file
 * operations over the raw REPL with the terminal paused in between.
 */

export interface ReplSessionsOptions {
  jobs: JobManager;
  openLink(path: string, baud: number): Promise<Link>;
  /** The full session list, on every state change. */
  publish(sessions: ReplSessionInfo[]): void;
  /** Console bytes, batched. */
  output(payload: ReplOutput): void;
  /** Who else holds the port (a bootloader session), as a sentence; null when nobody does. */
  portHolder?(port: string): string | null;
  /** Ends that other holder (without resetting the board) when the user asked the terminal to take the port over. */
  releasePort?(port: string): Promise<void>;
  /** Console output is sent at most this often (ms). */
  outputIntervalMs?: number;
  /** Between attempts to reopen a vanished port, and when to stop trying (ms). */
  reconnectIntervalMs?: number;
  reconnectGiveUpMs?: number;
  /** Silence allowed while the board should answer the raw REPL (ms). */
  replTimeoutMs?: number;
}

export interface OpenRequest {
  port: string;
  baud?: number;
  /** Close a bootloader session on the same port instead of refusing. */
  takeOver?: boolean;
}

/** One terminal read: short, so a pause for a file operation takes effect quickly. */
const PUMP_READ_MS = 40;
/** Silence after which a burst counts as the start of something new (a reset's first bytes). */
const FRESH_BURST_MS = 300;
/** After a reset, the state returns to 'connected' at the prompt, or after this long regardless. */
const REBOOT_SETTLE_MS = 8000;
/** Console kept for telling a bootloader from MicroPython when the raw REPL fails. */
const TAIL_BYTES = 2048;
/** Flush at once past this many buffered bytes (a program printing flat out). */
const MAX_BATCH_BYTES = 32 * 1024;
/** Largest file the editor opens. */
export const MAX_EDIT_BYTES = 256 * 1024;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

class ReplSession {
  readonly info: ReplSessionInfo;
  link: Link | null = null;
  private closed = false;
  private paused = false;
  private pumpStep: Promise<void> = Promise.resolve();
  private resumePump: (() => void) | null = null;
  /** Serialises operations (file commands, resets): one at a time on the port. */
  private queue: Promise<unknown> = Promise.resolve();
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private rebootTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private lastByteAt = 0;
  private tail = '';
  /** The ROM line comes at 74880 baud (an ESP8266), learnt from the banner or from garbage. */
  private romAt74880: boolean;
  private unwatch: (() => void) | null = null;

  constructor(
    private readonly owner: ReplSessions,
    port: string,
    baud: number,
  ) {
    this.info = { id: `repl-${randomUUID()}`, port, baud, state: 'connected', canHardReset: false, platform: null, note: null };
    this.romAt74880 = /esp8266/i.test(port);
    if (this.romAt74880) this.info.platform = 'esp8266';
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async attach(link: Link): Promise<void> {
    this.link = link;
    this.unwatch = link.onClose((reason) => this.lost(link, reason));
    // Releasing both lines is what any terminal does on open; a port that refuses has no modem lines.
    try {
      await link.setSignals({ dtr: false, rts: false });
      this.info.canHardReset = true;
    } catch (error) {
      if (!(error instanceof ModemLinesUnsupportedError)) throw error;
      this.info.canHardReset = false;
    }
    void this.pump(link);
  }

  // --- the terminal ------------------------------------------------------------------------------

  private async pump(link: Link): Promise<void> {
    while (!this.closed && this.link === link) {
      if (this.paused) {
        await new Promise<void>((resolve) => (this.resumePump = resolve));
        continue;
      }
      let finish!: () => void;
      this.pumpStep = new Promise<void>((resolve) => (finish = resolve));
      try {
        const bytes = await link.read(PUMP_READ_MS);
        if (bytes.length > 0) this.received(bytes);
      } catch (error) {
        finish();
        if (error instanceof LinkClosedError) this.lost(link, error.reason);
        else this.lost(link, error instanceof Error ? error.message : String(error));
        return;
      }
      finish();
    }
  }

  /** Stops the terminal's reads; resolves once no read is in flight. */
  private async pause(): Promise<void> {
    this.paused = true;
    await this.pumpStep;
  }

  private resume(): void {
    this.paused = false;
    const resume = this.resumePump;
    this.resumePump = null;
    resume?.();
  }

  private received(bytes: Uint8Array): void {
    const now = Date.now();
    const fresh = now - this.lastByteAt > FRESH_BURST_MS || this.info.state === 'rebooting';
    this.lastByteAt = now;
    let shown = bytes;
    if (fresh && this.info.baud !== ESP8266_ROM_BAUD && looksLikeWrongBaud(bytes) && this.info.platform !== 'esp32') {
      // An ESP8266 that reset by itself (its button, a crash): its ROM line came at 74880.
      this.romAt74880 = true;
      shown = new TextEncoder().encode(WRONG_BAUD_NOTE);
      if (this.info.state === 'connected') this.setState('rebooting', 'The board restarted.');
    }
    this.tail = (this.tail + latin1(bytes)).slice(-TAIL_BYTES);
    this.learnPlatform();
    if (this.info.state === 'rebooting' && this.tail.endsWith('>>> ')) this.settle('The board restarted and MicroPython is ready.');
    this.emit(shown);
  }

  private learnPlatform(): void {
    const banner = /MicroPython [^\r\n]*? with (ESP[0-9A-Za-z-]+)/.exec(this.tail);
    if (!banner) return;
    const platform = banner[1]!.toLowerCase().replace(/-/g, '');
    if (platform !== this.info.platform) {
      this.info.platform = platform;
      this.romAt74880 = mentionsEsp8266(platform);
      this.owner.changed();
    }
  }

  emit(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= MAX_BATCH_BYTES) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.owner.outputIntervalMs);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.pendingBytes === 0) return;
    const data = concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.owner.emitOutput({ sessionId: this.info.id, data: Buffer.from(data).toString('base64') });
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.info.state === 'busy') {
      throw new KilnError('busy', 'A file operation is using the board; the terminal takes keys again when it ends.');
    }
    await this.requireLink().write(bytes);
  }

  async setBaud(baud: number): Promise<void> {
    await this.exclusive(async () => {
      await this.requireLink().setBaudRate(baud);
      this.info.baud = baud;
      this.owner.changed();
    });
  }

  // --- resets ------------------------------------------------------------------------------------

  async hardReset(): Promise<void> {
    if (!this.info.canHardReset) {
      throw new KilnError(
        'device',
        `${this.info.port} cannot drive the RTS line that resets the board (a pty or an adapter without modem lines).`,
        'Use Soft reset (Ctrl-D) instead, or press the RESET button on the board.',
      );
    }
    await this.exclusive(async () => {
      const link = this.requireLink();
      await this.pause();
      this.flush();
      this.setState('rebooting', 'Resetting the board (RTS pulse on EN)…');
      const listen = this.romAt74880 && this.info.baud !== ESP8266_ROM_BAUD;
      try {
        if (listen) await link.setBaudRate(ESP8266_ROM_BAUD);
        await hardResetSequence().run(link);
        if (listen) {
          this.emit(await readRomLine(link));
          await link.setBaudRate(this.info.baud);
        }
      } catch (error) {
        if (error instanceof LinkClosedError) return; // the port re-enumerates: lost() reconnects
        throw error;
      } finally {
        this.lastByteAt = Date.now();
        this.resume();
      }
      this.armRebootTimer();
    });
  }

  /** Ctrl-C (stop a running program), then Ctrl-D at the prompt: MicroPython restarts, boot.py and main.py run. */
  async softReset(): Promise<void> {
    await this.exclusive(async () => {
      const link = this.requireLink();
      this.setState('rebooting', 'Soft reset (Ctrl-D)…');
      this.tail = '';
      await link.write(Uint8Array.of(0x03));
      await sleep(60);
      await link.write(Uint8Array.of(0x04));
      this.armRebootTimer();
    });
  }

  private armRebootTimer(): void {
    if (this.rebootTimer) clearTimeout(this.rebootTimer);
    this.rebootTimer = setTimeout(() => {
      this.rebootTimer = null;
      // A main.py that keeps running never shows a prompt; the board is up all the same.
      if (this.info.state === 'rebooting') this.settle('The board restarted (no prompt yet: a program may be running).');
    }, REBOOT_SETTLE_MS);
    this.rebootTimer.unref?.();
  }

  private settle(note: string): void {
    if (this.rebootTimer) clearTimeout(this.rebootTimer);
    this.rebootTimer = null;
    this.setState('connected', note);
  }

  // --- file operations ---------------------------------------------------------------------------

  /** Runs body with the terminal paused and the board in the raw REPL; restores both afterwards. */
  async withRawRepl<T>(body: (repl: RawRepl) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const link = this.requireLink();
      await this.pause();
      this.flush();
      const before = this.info.state;
      this.setState('busy', null);
      const repl = new RawRepl(link, { timeoutMs: this.owner.replTimeoutMs, onSkipped: (bytes) => this.showSkipped(bytes) });
      try {
        try {
          await repl.enter();
        } catch (error) {
          throw await this.explainNoRepl(link, error);
        }
        if (this.info.platform === null) {
          this.info.platform = await repl.platform().catch(() => null);
          if (this.info.platform) this.romAt74880 = mentionsEsp8266(this.info.platform);
        }
        return await body(repl);
      } catch (error) {
        throw toReplError(error);
      } finally {
        if (repl.inRawMode && link.isOpen) {
          await repl.exit().catch(() => undefined);
          // A fresh prompt in the terminal, printed by the board itself (Ctrl-C at the prompt).
          await link.write(Uint8Array.of(0x03)).catch(() => undefined);
        }
        this.lastByteAt = Date.now();
        if (this.info.state === 'busy') this.setState(before === 'rebooting' ? 'connected' : before, null);
        this.resume();
      }
    });
  }

  /** What the board printed until the raw REPL answered belongs in the terminal, minus the prompts our Ctrl-C produced. */
  private showSkipped(bytes: Uint8Array): void {
    const text = latin1(bytes).replace(/(?:\r\n>>> |>>> |\r\n|\r)+$/, '');
    if (text.length === 0) return;
    this.tail = (this.tail + text).slice(-TAIL_BYTES);
    this.learnPlatform();
    this.emit(Buffer.from(`${text}\r\n`, 'latin1'));
  }

  private async explainNoRepl(link: Link, error: unknown): Promise<unknown> {
    // The console since the last prompt may show the ROM's "waiting for download".
    const sincePrompt = this.tail.slice(this.tail.lastIndexOf('>>> ') + 1);
    return explainNoRawRepl(link, error, Buffer.from(sincePrompt, 'latin1'));
  }

  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  requireLink(): Link {
    if (this.closed) throw new KilnError('not-found', 'That terminal session has ended.', 'Open the terminal again.');
    if (!this.link || this.info.state === 'disconnected') {
      throw new KilnError('device', `${this.info.port} is not connected right now.`, 'Plug the board back in; Kiln reopens the port by itself.');
    }
    return this.link;
  }

  // --- losing and regaining the port --------------------------------------------------------------

  private lost(link: Link, reason: string): void {
    if (this.closed || this.link !== link) return;
    this.unwatch?.();
    this.unwatch = null;
    this.link = null;
    this.flush();
    this.setState('disconnected', `The port went away (${reason}). Kiln reopens it when the board is back.`);
    this.emit(new TextEncoder().encode(`\r\n[Kiln: ${this.info.port} disconnected; waiting for the board to come back…]\r\n`));
    this.scheduleReconnect(Date.now() + this.owner.reconnectGiveUpMs);
  }

  private scheduleReconnect(giveUpAt: number): void {
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.tryReconnect(giveUpAt);
    }, this.owner.reconnectIntervalMs);
  }

  private async tryReconnect(giveUpAt: number): Promise<void> {
    if (this.closed) return;
    try {
      const link = await this.owner.openLink(this.info.port, this.info.baud);
      if (this.closed) {
        await link.close();
        return;
      }
      this.resume();
      await this.attach(link);
      this.setState('connected', 'Reconnected.');
      this.emit(new TextEncoder().encode(`\r\n[Kiln: reconnected to ${this.info.port}]\r\n`));
    } catch {
      if (Date.now() >= giveUpAt) {
        this.setState('closed', `${this.info.port} did not come back. Plug the board in and open the terminal again.`);
        await this.owner.forget(this);
        return;
      }
      this.scheduleReconnect(giveUpAt);
    }
  }

  private setState(state: ReplSessionInfo['state'], note: string | null): void {
    this.info.state = state;
    this.info.note = note;
    this.owner.changed();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    for (const timer of [this.flushTimer, this.rebootTimer, this.reconnectTimer]) if (timer) clearTimeout(timer);
    this.info.state = 'closed';
    this.unwatch?.();
    const link = this.link;
    this.link = null;
    this.resume();
    await link?.close().catch(() => undefined);
  }
}

/** The REPL sessions of the app, one per port. */
export class ReplSessions {
  private readonly sessions = new Map<string, ReplSession>();
  readonly outputIntervalMs: number;
  readonly reconnectIntervalMs: number;
  readonly reconnectGiveUpMs: number;
  readonly replTimeoutMs: number;

  constructor(private readonly options: ReplSessionsOptions) {
    this.outputIntervalMs = options.outputIntervalMs ?? 30;
    this.reconnectIntervalMs = options.reconnectIntervalMs ?? 500;
    this.reconnectGiveUpMs = options.reconnectGiveUpMs ?? 5 * 60_000;
    this.replTimeoutMs = options.replTimeoutMs ?? 5000;
  }

  list(): ReplSessionInfo[] {
    return [...this.sessions.values()].map((session) => ({ ...session.info }));
  }

  /** The session holding `port`, if any (the bootloader side asks before it opens the port). */
  holderOf(port: string): ReplSessionInfo | null {
    const session = [...this.sessions.values()].find((candidate) => candidate.info.port === port);
    return session ? { ...session.info } : null;
  }

  /** Refuses when a terminal holds the port: one owner at a time. */
  assertPortFree(port: string): void {
    if (this.holderOf(port)) {
      throw new KilnError('busy', `The terminal has ${port} open.`, 'Close the terminal (or its Files panel) first; flashing and the REPL cannot share the port.');
    }
  }

  /** Opens a terminal on the port, or returns the one already open there. */
  async open(request: OpenRequest): Promise<ReplSessionInfo> {
    const existing = [...this.sessions.values()].find((session) => session.info.port === request.port);
    if (existing) return { ...existing.info };
    const holder = this.options.portHolder?.(request.port) ?? null;
    if (holder !== null) {
      if (!request.takeOver || !this.options.releasePort) {
        throw new KilnError('busy', `${request.port} is in use: ${holder}.`, 'Disconnect it on the Flash screen first, or open the terminal from there.');
      }
      // The flashing session lets go without resetting; the terminal resets the board itself
      // below, so its boot (ROM line, banner, main.py) shows in the terminal instead of being lost.
      await this.options.releasePort(request.port);
    }
    const baud = request.baud ?? 115200;
    let link: Link;
    try {
      link = await this.options.openLink(request.port, baud);
    } catch (error) {
      const reason = error instanceof Error ? error.message.replace(/\.$/, '') : String(error);
      throw new KilnError(
        'device',
        `Could not open ${request.port}: ${reason}.`,
        'Check that the board is plugged in and that no other program (a serial monitor, the Arduino IDE) has the port open.',
      );
    }
    const session = new ReplSession(this, request.port, baud);
    this.sessions.set(session.info.id, session);
    await session.attach(link);
    this.changed();
    if (holder !== null) {
      if (session.info.canHardReset) await session.hardReset();
      else session.emit(new TextEncoder().encode('\r\n[Kiln: the board is still in its bootloader. Press RESET on the board to start MicroPython.]\r\n'));
    }
    return { ...session.info };
  }

  async close(sessionId: string): Promise<void> {
    const session = this.require(sessionId);
    await session.close();
    this.sessions.delete(sessionId);
    this.changed();
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.sessions.keys()].map((id) => this.close(id)));
  }

  write(sessionId: string, bytes: Uint8Array): Promise<void> {
    return this.require(sessionId).write(bytes);
  }

  setBaud(sessionId: string, baud: number): Promise<void> {
    return this.require(sessionId).setBaud(baud);
  }

  reset(sessionId: string, kind: 'hard' | 'soft'): Promise<void> {
    const session = this.require(sessionId);
    return kind === 'hard' ? session.hardReset() : session.softReset();
  }

  async listFiles(sessionId: string, path: string): Promise<BoardFileListing> {
    return this.require(sessionId).withRawRepl(async (repl) => {
      const entries = await repl.listDir(path);
      const usage = await repl.fsUsage(path);
      return { path, entries, usage };
    });
  }

  async remove(sessionId: string, path: string): Promise<void> {
    if (path === '/') throw new KilnError('bad-request', 'Kiln does not delete the whole filesystem in one go.', 'Delete the files and folders one by one.');
    await this.require(sessionId).withRawRepl((repl) => repl.removeTree(path));
  }

  async rename(sessionId: string, from: string, to: string): Promise<void> {
    await this.require(sessionId).withRawRepl((repl) => repl.rename(from, to));
  }

  async mkdir(sessionId: string, path: string): Promise<void> {
    await this.require(sessionId).withRawRepl((repl) => repl.mkdir(path));
  }

  /** Reads a text file for the editor. */
  async readText(sessionId: string, path: string): Promise<{ path: string; text: string; exists: boolean }> {
    return this.require(sessionId).withRawRepl(async (repl) => {
      const parent = path.slice(0, Math.max(1, path.lastIndexOf('/')));
      const entry = (await repl.listDir(parent)).find((candidate) => candidate.path === path);
      if (!entry) return { path, text: '', exists: false };
      if (entry.kind === 'dir') throw new KilnError('bad-request', `${path} is a folder, not a file.`);
      if (entry.size > MAX_EDIT_BYTES) {
        throw new KilnError('bad-request', `${path} is ${entry.size} bytes, more than the editor opens (${MAX_EDIT_BYTES / 1024} KB).`, 'Download it instead.');
      }
      const bytes = await repl.readFile(path);
      return { path, text: new TextDecoder().decode(bytes), exists: true };
    });
  }

  /** A small board file's bytes (the renderer saves it through the browser). */
  async getFile(sessionId: string, path: string): Promise<Uint8Array> {
    return this.require(sessionId).withRawRepl(async (repl) => {
      const parent = path.slice(0, Math.max(1, path.lastIndexOf('/')));
      const entry = (await repl.listDir(parent)).find((candidate) => candidate.path === path);
      if (!entry || entry.kind !== 'file') throw new KilnError('not-found', `There is no file ${path} on the board.`);
      if (entry.size > MAX_EDIT_BYTES) throw new KilnError('bad-request', `${path} is bigger than ${MAX_EDIT_BYTES / 1024} KB.`, 'Copy it with "kiln fs cp" instead.');
      return repl.readFile(path);
    });
  }

  /** Saves editor text, verified and moved into place like any upload. */
  async writeText(sessionId: string, path: string, text: string): Promise<{ bytes: number; verified: 'sha256' | 'size' }> {
    const data = new TextEncoder().encode(text);
    return this.require(sessionId).withRawRepl(async (repl) => ({ bytes: data.length, verified: await uploadVerified(repl, path, data) }));
  }

  /** Runs a file on the board at the friendly prompt, so its output and Ctrl-C go through the terminal. */
  async run(sessionId: string, path: string): Promise<void> {
    const session = this.require(sessionId);
    await session.withRawRepl(async (repl) => {
      const entry = (await repl.listDir(path.slice(0, Math.max(1, path.lastIndexOf('/'))))).find((candidate) => candidate.path === path);
      if (!entry || entry.kind !== 'file') throw new KilnError('not-found', `There is no file ${path} on the board.`);
    });
    await session.write(new TextEncoder().encode(`exec(open(${pythonString(path)}).read(),{'__name__':'__main__'})\r`));
  }

  upload(sessionId: string, localPaths: string[], boardFolder: string): JobSummary {
    const session = this.require(sessionId);
    const title = localPaths.length === 1 ? `Upload ${baseName(localPaths[0]!)} to ${boardFolder}` : `Upload ${localPaths.length} items to ${boardFolder}`;
    return this.options.jobs.start({ kind: 'file-upload', title, port: session.info.port }, async (context) => {
      await session.withRawRepl(async (repl) => {
        await uploadPaths(repl, localPaths, boardFolder, transferProgress(context, 'writing'), context.signal);
      });
    });
  }

  /** Uploads bytes the client holds (a browser's file input or drop) as a job, verified like any upload. */
  put(sessionId: string, boardPath: string, data: Uint8Array): JobSummary {
    const session = this.require(sessionId);
    return this.options.jobs.start({ kind: 'file-upload', title: `Upload ${boardPath}`, port: session.info.port }, async (context) => {
      const report = transferProgress(context, 'writing');
      await session.withRawRepl(async (repl) => {
        await uploadVerified(repl, boardPath, data, (written) => report({ done: written, total: data.length, file: boardPath }), context.signal);
      });
    });
  }

  download(sessionId: string, boardPath: string, localTarget: string): JobSummary {
    const session = this.require(sessionId);
    return this.options.jobs.start({ kind: 'file-download', title: `Download ${boardPath} from the board`, port: session.info.port }, async (context) => {
      await session.withRawRepl(async (repl) => {
        await downloadPath(repl, boardPath, localTarget, transferProgress(context, 'reading'), context.signal);
      });
    });
  }

  // --- for the sessions --------------------------------------------------------------------------

  openLink(path: string, baud: number): Promise<Link> {
    return this.options.openLink(path, baud);
  }

  emitOutput(payload: ReplOutput): void {
    this.options.output(payload);
  }

  changed(): void {
    this.options.publish(this.list());
  }

  async forget(session: ReplSession): Promise<void> {
    await session.close();
    this.sessions.delete(session.info.id);
    this.changed();
  }

  private require(sessionId: string): ReplSession {
    const session = this.sessions.get(sessionId);
    if (!session || session.isClosed) throw new KilnError('not-found', 'That terminal session has ended.', 'Open the terminal again.');
    return session;
  }
}

function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

function transferProgress(context: JobContext, stage: 'writing' | 'reading'): (progress: TransferProgress) => void {
  const started = Date.now();
  return (progress) => {
    const seconds = (Date.now() - started) / 1000;
    context.progress({
      stage,
      done: progress.done,
      total: progress.total,
      bytesPerSecond: seconds > 0.2 ? Math.round(progress.done / seconds) : 0,
      message: progress.file,
    });
  };
}

/** REPL-client failures carry sentences for people; give them the contract's codes. */
export function toReplError(error: unknown): unknown {
  if (error instanceof KilnError) return error;
  if (error instanceof RawReplUnavailableError || error instanceof ReplTimeoutError || error instanceof ReplProtocolError) {
    return new KilnError('device', error.message);
  }
  if (error instanceof UploadMismatchError) return new KilnError('device', error.message);
  if (error instanceof PythonError) return new KilnError(error.errno === 2 ? 'not-found' : 'device', error.message);
  if (error instanceof LinkClosedError) return new KilnError('device', error.message);
  if (error instanceof Error && (error as NodeJS.ErrnoException).code !== undefined) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return new KilnError('io', `A local file is missing: ${error.message}.`, 'Pick the file again.');
    return new KilnError('io', `Kiln could not read or write a file on this computer: ${error.message}.`);
  }
  if (error instanceof Error && error.message.startsWith('There is no ')) return new KilnError('not-found', error.message);
  return error;
}

async function readRomLine(link: Link): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const deadline = Date.now() + ROM_LINE_WAIT_MS;
  while (Date.now() < deadline) {
    const bytes = await link.read(parts.length === 0 ? Math.max(1, deadline - Date.now()) : ROM_LINE_QUIET_MS);
    if (bytes.length === 0) {
      if (parts.length > 0) break;
      continue;
    }
    parts.push(bytes);
  }
  return concat(parts);
}
