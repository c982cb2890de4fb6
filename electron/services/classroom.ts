/**
 * Classroom mode: one recipe, a tray of boards, hands off. The station loop polls the port list;
 * each board that appears gets a tile, is identified (a device session, as the wizard connects),
 * skipped with the reason when its chip is not the recipe's, else queued and written through
 * DeviceSessions.write — the one write path, so every check, the diff re-flash and the verify
 * are the wizard's — then given the recipe's files over the REPL. At most `concurrency` boards
 * are written at once; each board's failure stays on its tile. A board pulled out mid-job waits
 * as "unplugged" and resumes by itself when a board with the same MAC comes back, on any port.
 */
import { randomUUID } from 'node:crypto';
import type { ImageRef } from '../../shared/types/firmware';
import { CHIP_DISPLAY_NAMES } from '../../shared/types/chips';
import {
  CLASSROOM_ACTIVE_PHASES,
  type ClassroomBoard,
  type ClassroomCsv,
  type ClassroomCsvSaved,
  type ClassroomHistoryRun,
  type ClassroomRecipe,
  type ClassroomReportRow,
  type ClassroomResult,
  type ClassroomRunInfo,
  type ClassroomState,
  type ClassroomStation,
  type ClassroomStationOptions,
} from '../../shared/types/classroom';
import { KilnError, type KilnErrorInfo } from '../../shared/types/errors';
import type { JobSummary } from '../../shared/types/jobs';
import { isLikelyBoard, type PortInfo, type PortListing } from '../../shared/types/ports';
import { formatBytes } from '../../shared/format';
import type { FirmwareService } from '../firmware/service';
import { loadBoardFiles, type BoardFile } from './classroom-files';
import { csvFileName, reportCsv, saveCsvInFolder, type ClassroomHistory } from './classroom-report';
import type { DeviceSessions } from './device-sessions';
import type { JobManager } from './job-manager';
import type { ReplSessions } from './repl-sessions';

export interface ClassroomServiceOptions {
  devices: DeviceSessions;
  repl: ReplSessions;
  jobs: JobManager;
  firmware: FirmwareService;
  /** The port list as the app shows it (the Demo boards only while that setting is on). */
  listPorts(): Promise<PortListing>;
  /** Every job update (the station follows its boards' jobs for their progress). */
  watchJobs(listener: (job: JobSummary) => void): () => void;
  history: ClassroomHistory;
  /** The whole state, coalesced to at most one call per `publishIntervalMs`. */
  publish(state: ClassroomState): void;
  pollIntervalMs?: number;
  publishIntervalMs?: number;
  now?: () => number;
}

export type ClassroomEvent =
  | { kind: 'attached'; station: ClassroomStation }
  | { kind: 'identified'; station: ClassroomStation }
  | { kind: 'started'; station: ClassroomStation }
  | { kind: 'finished'; station: ClassroomStation; row: ClassroomReportRow };

interface Prepared {
  ref: ImageRef;
  files: BoardFile[];
}

interface Entry {
  view: ClassroomStation;
  sessionId: string | null;
  jobId: string | null;
  /** Set by cancel: the running step stops and the tile says "cancelled". */
  cancelled: boolean;
  attemptStartedAt: number;
  queuedAt: number;
  /** The board the tile had before it was plugged back in (to tell "the same one" by MAC). */
  previousBoard: ClassroomBoard | null;
  /** When it was found unplugged (a port still listed this long after is looked at again). */
  unpluggedAt: number;
}

/**
 * A pulled cable usually leaves the port list at once; a port still listed this long after its
 * board was lost (plugged straight back, or a list read just before the pull) is probed again.
 */
const STILL_LISTED_RETRY_MS = 3000;

export class ClassroomService {
  private run: ClassroomRunInfo | null = null;
  private prepared: Prepared | null = null;
  private readonly entries = new Map<string, Entry>();
  private report: ClassroomReportRow[] = [];
  /** Ports in the list at the last poll that the station has handled. */
  private readonly attached = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private publishTimer: NodeJS.Timeout | null = null;
  private lastPublished = 0;
  private readonly unwatchJobs: () => void;
  private readonly running = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly listeners = new Set<(event: ClassroomEvent) => void>();

  constructor(private readonly options: ClassroomServiceOptions) {
    this.now = options.now ?? Date.now;
    this.unwatchJobs = options.watchJobs((job) => this.onJob(job));
  }

  /** Board events (attached, identified, started, finished), for the station's log: the CLI prints one line each. */
  onEvent(listener: (event: ClassroomEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: ClassroomEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  state(): ClassroomState {
    return {
      run: this.run ? structuredClone(this.run) : null,
      stations: [...this.entries.values()].map((entry) => ({ ...entry.view, ...(entry.view.board ? { board: { ...entry.view.board } } : {}) })),
      report: structuredClone(this.report),
    };
  }

  /** Checks the recipe (firmware resolves, files readable) before watching a single port. */
  async start(recipe: ClassroomRecipe, stationOptions: ClassroomStationOptions): Promise<ClassroomState> {
    if (this.run) throw new KilnError('busy', 'A classroom run is already going.', 'Stop it first, or change its settings.');
    const ref: ImageRef =
      recipe.firmware.kind === 'file' ? { kind: 'local', id: (await this.options.firmware.addLocalImage(recipe.firmware.path)).id } : recipe.firmware.kind === 'catalog' ? { kind: 'catalog', entryId: recipe.firmware.entryId } : { kind: 'local', id: recipe.firmware.id };
    const resolved = await this.options.firmware.resolveImage(ref);
    if (!resolved.chip) {
      throw new KilnError('firmware', `${resolved.name} is not a firmware image Kiln can tell the chip of.`, 'Choose a MicroPython .bin for the ESP8266 or an ESP32.');
    }
    const files = await loadBoardFiles(recipe.files, recipe.wifi);
    this.prepared = { ref, files };
    this.run = {
      id: `run-${randomUUID()}`,
      startedAt: this.now(),
      endedAt: null,
      firmwareName: resolved.name,
      firmwareSha256: resolved.sha256,
      firmwareBytes: resolved.bytes.length,
      chip: resolved.chip,
      recipe: structuredClone(recipe),
      options: { ...stationOptions },
    };
    this.report = [];
    this.entries.clear();
    this.attached.clear();
    await this.saveHistory();
    this.timer = setInterval(() => void this.tick(), this.options.pollIntervalMs ?? 1000);
    this.timer.unref();
    void this.tick();
    this.changed();
    return this.state();
  }

  setOptions(patch: Partial<ClassroomStationOptions>): ClassroomState {
    const run = this.requireRun();
    run.options = { ...run.options, ...patch };
    if (patch.autoStart) {
      // Turning auto-start on starts the boards that were waiting for it.
      for (const entry of this.entries.values()) if (entry.view.phase === 'ready') this.queue(entry);
    }
    this.pump();
    this.changed();
    return this.state();
  }

  /** Starts a waiting board, or runs a failed, cancelled, finished or returned board again. */
  retry(stationId: string): ClassroomState {
    this.requireRun();
    const entry = this.requireStation(stationId);
    const { phase } = entry.view;
    if (phase === 'ready') {
      this.queue(entry);
      this.pump();
    } else if (phase === 'failed' || phase === 'cancelled' || phase === 'done' || (phase === 'unplugged' && entry.view.attached)) {
      if (!entry.view.attached) throw new KilnError('device', `${entry.view.port} is not plugged in.`, 'Plug the board in; it starts by itself.');
      this.track(this.probe(entry, { start: true }));
    } else if (phase === 'unplugged') {
      throw new KilnError('device', 'That board is unplugged.', 'Plug it back in: it resumes by itself.');
    } else if (phase === 'skipped') {
      throw new KilnError('firmware', entry.view.message, 'Plug it into a station with a recipe for its chip.');
    } else {
      throw new KilnError('busy', `${entry.view.port} is still working.`, 'Wait for it to finish, or cancel it first.');
    }
    this.changed();
    return this.state();
  }

  async cancel(stationId: string): Promise<ClassroomState> {
    this.requireRun();
    await this.cancelEntry(this.requireStation(stationId));
    return this.state();
  }

  async cancelAll(): Promise<ClassroomState> {
    this.requireRun();
    await Promise.all([...this.entries.values()].map((entry) => this.cancelEntry(entry)));
    return this.state();
  }

  /** Ends the run: everything running is cancelled, sessions closed, the report kept in the history. */
  async stop(): Promise<ClassroomState> {
    if (!this.run) return this.state();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all([...this.entries.values()].map((entry) => this.cancelEntry(entry)));
    await Promise.allSettled([...this.running]);
    await this.ticking?.catch(() => undefined);
    for (const entry of this.entries.values()) await this.release(entry, 'no-reset');
    this.run.endedAt = this.now();
    await this.saveHistory();
    this.run = null;
    this.prepared = null;
    this.entries.clear();
    this.attached.clear();
    this.changed();
    return this.state();
  }

  history(): Promise<ClassroomHistoryRun[]> {
    return this.options.history.list();
  }

  async csv(runId?: string): Promise<ClassroomCsv> {
    const entry = await this.reportOf(runId);
    return { fileName: csvFileName(entry.run.startedAt), csv: reportCsv(entry.rows), rows: entry.rows.length };
  }

  async saveCsv(folder: string, runId?: string): Promise<ClassroomCsvSaved> {
    const { fileName, csv, rows } = await this.csv(runId);
    return { path: await saveCsvInFolder(folder, fileName, csv), rows };
  }

  /** Resolves once every board job has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  async dispose(): Promise<void> {
    await this.stop();
    this.unwatchJobs();
    if (this.publishTimer) clearTimeout(this.publishTimer);
    await this.options.history.idle();
  }

  // --- the station loop ---------------------------------------------------------------------

  /** One look at the port list: new ports are attached, missing ones detached. Never overlaps itself. */
  tick(): Promise<void> {
    this.ticking ??= this.poll().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async poll(): Promise<void> {
    if (!this.run) return;
    let listing: PortListing;
    try {
      listing = await this.options.listPorts();
    } catch {
      return; // the next poll tries again; a source failing is a warning in the port list
    }
    if (!this.run) return;
    const present = new Map(listing.ports.filter(isLikelyBoard).map((port) => [port.path, port]));
    for (const port of [...this.attached]) if (!present.has(port)) this.detached(port);
    for (const [path, port] of present) {
      const stale = [...this.entries.values()].some((entry) => entry.view.port === path && entry.view.phase === 'unplugged' && this.now() - entry.unpluggedAt >= STILL_LISTED_RETRY_MS);
      if (stale) this.attached.delete(path);
      if (!this.attached.has(path)) this.attachedPort(port);
    }
    this.pump();
  }

  private attachedPort(port: PortInfo): void {
    this.attached.add(port.path);
    const onPort = [...this.entries.values()].filter((entry) => entry.view.port === port.path);
    if (onPort.some((entry) => CLASSROOM_ACTIVE_PHASES.includes(entry.view.phase))) return;
    // The tile of the port is reused (no new tile jumping in); an unplugged board's tile first.
    const entry = onPort.find((candidate) => candidate.view.phase === 'unplugged') ?? onPort[0] ?? this.newEntry(port);
    entry.view.attached = true;
    entry.view.portLabel = port.label;
    this.emit({ kind: 'attached', station: { ...entry.view } });
    this.track(this.probe(entry, { start: false }));
  }

  private detached(port: string): void {
    this.attached.delete(port);
    for (const entry of this.entries.values()) {
      if (entry.view.port !== port) continue;
      entry.view.attached = false;
      if (entry.view.phase === 'ready' || entry.view.phase === 'queued') {
        // Nothing was running yet: the board waits for its return like one pulled mid-write.
        this.setUnplugged(entry, null);
        void this.release(entry, 'no-reset');
      }
    }
    this.changed();
  }

  private newEntry(port: Pick<PortInfo, 'path' | 'label'>): Entry {
    const view: ClassroomStation = {
      id: `st-${randomUUID()}`,
      port: port.path,
      portLabel: port.label,
      attached: true,
      board: null,
      phase: 'detecting',
      stage: null,
      done: 0,
      total: 0,
      bytesPerSecond: 0,
      message: 'Identifying the board…',
      error: null,
      attempts: 0,
      startedAt: null,
      finishedAt: null,
      bytesSent: null,
      unchangedBytes: null,
    };
    const entry: Entry = { view, sessionId: null, jobId: null, cancelled: false, attemptStartedAt: 0, queuedAt: 0, previousBoard: null, unpluggedAt: 0 };
    this.entries.set(view.id, entry);
    return entry;
  }

  /** Connects and identifies the board; then resumes, skips, queues or waits for Start. */
  private async probe(entry: Entry, how: { start: boolean }): Promise<void> {
    const run = this.requireRun();
    const view = entry.view;
    const returning = view.phase === 'unplugged';
    entry.previousBoard = returning ? view.board : null;
    entry.cancelled = false;
    // A new board on a finished tile's port starts its own count; a retry or a return continues it.
    if (!how.start && !returning) {
      view.attempts = 0;
      view.board = null;
    }
    await this.release(entry, 'no-reset');
    Object.assign(view, { phase: 'detecting', stage: 'connecting', done: 0, total: 0, bytesPerSecond: 0, error: null, finishedAt: null, bytesSent: null, unchangedBytes: null });
    view.message = entry.previousBoard ? 'Plugged back in: checking it is the same board…' : 'Identifying the board…';
    view.attempts += 1;
    view.startedAt = entry.attemptStartedAt = this.now();
    this.changed();
    let board: ClassroomBoard;
    try {
      this.options.repl.assertPortFree(view.port);
      const session = await this.options.devices.connect({ port: view.port, baud: run.recipe.baud });
      entry.sessionId = session.id;
      board = { chip: session.info.chip, description: session.info.description, mac: session.info.mac, flashBytes: session.info.flash?.sizeBytes ?? null };
    } catch (error) {
      if (entry.cancelled) return this.finish(entry, 'cancelled', null);
      if (!view.attached || (await this.portGone(view.port))) {
        view.attached = false;
        if (returning) {
          // Not back after all: the same wait goes on, no new attempt.
          view.attempts -= 1;
          this.setUnplugged(entry, entry.previousBoard);
          return;
        }
        // Pulled out while being identified: it waits for its return like one pulled mid-write.
        const row = this.addRow(entry, 'unplugged', errorInfo(error).message, { bytesSent: 0, unchangedBytes: 0 });
        this.setUnplugged(entry, entry.previousBoard);
        this.emit({ kind: 'finished', station: { ...view }, row });
        return;
      }
      return this.finish(entry, 'failed', errorInfo(error));
    }
    if (this.run !== run) return;
    if (entry.cancelled) {
      await this.release(entry, 'no-reset');
      return this.finish(entry, 'cancelled', null);
    }
    // The same board (MAC) coming back, on this port or another: its unplugged tile takes over.
    const waiting = [...this.entries.values()].find((other) => other !== entry && other.view.phase === 'unplugged' && other.view.board?.mac === board.mac);
    if (waiting) {
      this.entries.delete(view.id);
      Object.assign(waiting.view, { port: view.port, portLabel: view.portLabel, attached: true, startedAt: view.startedAt });
      waiting.view.attempts += 1;
      waiting.sessionId = entry.sessionId;
      waiting.attemptStartedAt = entry.attemptStartedAt;
      return this.identified(waiting, board, { resume: true, start: true });
    }
    const previous = entry.previousBoard;
    if (previous && previous.mac !== board.mac) {
      // Another board on the port of an unplugged one: it gets its own tile; the first still waits.
      const fresh = this.newEntry({ path: view.port, label: view.portLabel });
      Object.assign(fresh.view, { attempts: 1, startedAt: view.startedAt });
      fresh.sessionId = entry.sessionId;
      fresh.attemptStartedAt = entry.attemptStartedAt;
      entry.sessionId = null;
      view.attempts -= 1;
      this.setUnplugged(entry, previous);
      view.attached = false;
      return this.identified(fresh, board, { resume: false, start: how.start });
    }
    return this.identified(entry, board, { resume: returning, start: how.start || returning });
  }

  private identified(entry: Entry, board: ClassroomBoard, how: { resume: boolean; start: boolean }): void {
    const run = this.requireRun();
    const view = entry.view;
    view.board = board;
    view.stage = null;
    this.emit({ kind: 'identified', station: { ...view } });
    if (board.chip !== run.chip) {
      const message = `This is an ${CHIP_DISPLAY_NAMES[board.chip]}; the recipe's firmware is for the ${CHIP_DISPLAY_NAMES[run.chip]}. Skipped.`;
      void this.release(entry, 'hard-reset');
      this.finish(entry, 'skipped', null, message);
      return;
    }
    if (how.start || how.resume || run.options.autoStart) {
      this.queue(entry);
      if (how.resume) view.message = 'The same board is back: resuming…';
    } else {
      view.phase = 'ready';
      view.message = 'Auto-start is off: press Start to write this board.';
    }
    this.pump();
    this.changed();
  }

  private queue(entry: Entry): void {
    entry.view.phase = 'queued';
    entry.view.message = 'Waiting for a free slot…';
    entry.queuedAt = this.now();
  }

  /** Starts queued boards, oldest first, while fewer than the cap are being written. */
  private pump(): void {
    const run = this.run;
    if (!run) return;
    const entries = [...this.entries.values()];
    let busy = entries.filter((entry) => entry.view.phase === 'writing' || entry.view.phase === 'uploading').length;
    const queued = entries.filter((entry) => entry.view.phase === 'queued').sort((a, b) => a.queuedAt - b.queuedAt);
    for (const entry of queued) {
      if (busy >= run.options.concurrency) {
        entry.view.message = `Waiting for a free slot (${run.options.concurrency} at a time)…`;
        continue;
      }
      busy += 1;
      entry.view.phase = 'writing';
      this.track(this.write(entry));
    }
    this.changed();
  }

  private async write(entry: Entry): Promise<void> {
    const run = this.requireRun();
    const prepared = this.prepared!;
    const view = entry.view;
    Object.assign(view, { stage: 'writing', done: 0, total: run.firmwareBytes, bytesPerSecond: 0, message: 'Writing the firmware…' });
    this.emit({ kind: 'started', station: { ...view } });
    this.changed();
    let bytesSent = 0;
    let unchangedBytes = 0;
    try {
      if (!entry.sessionId) throw new KilnError('device', 'The board is no longer connected.', 'Press Retry.');
      const job = this.options.devices.write({
        sessionId: entry.sessionId,
        images: [{ image: prepared.ref }],
        flashMode: run.recipe.flashMode,
        flashSize: run.recipe.flashSize,
        eraseAll: run.recipe.eraseFirst,
      });
      const settled = await this.follow(entry, job);
      if (settled.result?.kind === 'flash') {
        for (const region of settled.result.regions) {
          bytesSent += region.sentBytes;
          unchangedBytes += region.unchangedBytes;
        }
      }
      view.bytesSent = bytesSent;
      view.unchangedBytes = unchangedBytes;
      if (prepared.files.length > 0) await this.upload(entry, prepared.files);
      else await this.release(entry, 'hard-reset');
    } catch (error) {
      if (this.run !== run) return;
      if (entry.cancelled || (error instanceof KilnError && error.code === 'cancelled')) {
        await this.release(entry, 'no-reset');
        return this.finish(entry, 'cancelled', null, undefined, { bytesSent, unchangedBytes });
      }
      if (this.wasUnplugged(entry) || (await this.portGone(view.port))) {
        await this.release(entry, 'no-reset');
        view.attached = false;
        const row = this.addRow(entry, 'unplugged', errorInfo(error).message, { bytesSent, unchangedBytes });
        this.setUnplugged(entry, view.board);
        this.emit({ kind: 'finished', station: { ...view }, row });
        return;
      }
      await this.release(entry, 'no-reset');
      return this.finish(entry, 'failed', errorInfo(error), undefined, { bytesSent, unchangedBytes });
    }
    const kept = unchangedBytes > 0 ? ` (${formatBytes(unchangedBytes)} already up to date)` : '';
    this.finish(entry, 'done', null, bytesSent === 0 && unchangedBytes > 0 ? 'Already up to date: 0 bytes written. You can unplug it.' : `Done${kept}. You can unplug it.`, { bytesSent, unchangedBytes });
  }

  /** The recipe's files, through a terminal session (which resets the board into the new firmware). */
  private async upload(entry: Entry, files: readonly BoardFile[]): Promise<void> {
    const view = entry.view;
    Object.assign(view, { phase: 'uploading', stage: 'writing', done: 0, total: files.reduce((sum, file) => sum + file.data.length, 0), bytesPerSecond: 0, message: 'Starting MicroPython to copy the files…' });
    this.changed();
    // The terminal takes the port over from the bootloader session, and resets the board into MicroPython.
    const terminal = await this.options.repl.open({ port: view.port, takeOver: true });
    entry.sessionId = null;
    try {
      let before = 0;
      for (const file of files) {
        if (entry.cancelled) throw new KilnError('cancelled', 'Cancelled by the user.');
        view.message = `Copying ${file.boardPath}…`;
        const job = this.options.repl.put(terminal.id, file.boardPath, file.data);
        const offset = before;
        await this.follow(entry, job, (done) => offset + done);
        before += file.data.length;
      }
      // Start the board once more, so boot.py and main.py run as they will in class.
      await this.options.repl.reset(terminal.id, 'hard').catch(() => undefined);
    } finally {
      await this.options.repl.close(terminal.id).catch(() => undefined);
    }
  }

  /** Waits for a job, mirroring its progress on the tile; throws its error. */
  private async follow(entry: Entry, job: JobSummary, doneOf: (done: number) => number = (done) => done): Promise<JobSummary> {
    entry.jobId = job.id;
    this.progressMap.set(job.id, { entry, doneOf });
    try {
      if (entry.cancelled) await this.options.jobs.cancel(job.id);
      const settled = await this.options.jobs.settled(job.id);
      if (settled.status === 'cancelled') throw new KilnError('cancelled', 'Cancelled by the user.');
      if (settled.status === 'failed') throw new KilnError(settled.error?.code ?? 'device', settled.error?.message ?? 'The job failed.', settled.error?.hint);
      return settled;
    } finally {
      this.progressMap.delete(job.id);
      entry.jobId = null;
    }
  }

  private readonly progressMap = new Map<string, { entry: Entry; doneOf: (done: number) => number }>();

  private onJob(job: JobSummary): void {
    const follower = this.progressMap.get(job.id);
    if (!follower || !job.progress || job.status !== 'running') return;
    const view = follower.entry.view;
    const { stage, done, total, bytesPerSecond, message } = job.progress;
    view.stage = stage;
    if (view.phase === 'uploading') {
      view.done = follower.doneOf(done);
    } else {
      view.done = done;
      view.total = total;
      if (message) view.message = message;
    }
    view.bytesPerSecond = bytesPerSecond;
    this.changed();
  }

  /** A failure with the port missing from a fresh list is a pulled cable, whatever the error said. */
  private async portGone(port: string): Promise<boolean> {
    try {
      return !(await this.options.listPorts()).ports.some((candidate) => candidate.path === port);
    } catch {
      return false;
    }
  }

  private wasUnplugged(entry: Entry): boolean {
    if (!entry.view.attached) return true;
    if (!entry.sessionId) return false;
    try {
      return this.options.devices.get(entry.sessionId).status === 'lost';
    } catch {
      return true;
    }
  }

  private setUnplugged(entry: Entry, board: ClassroomBoard | null): void {
    entry.unpluggedAt = this.now();
    Object.assign(entry.view, { phase: 'unplugged', stage: null, bytesPerSecond: 0, board: board ?? entry.view.board, finishedAt: this.now() });
    entry.view.message = 'Unplugged — plug it back in to retry.';
    this.changed();
  }

  private finish(entry: Entry, result: Exclude<ClassroomResult, 'unplugged'>, error: KilnErrorInfo | null, message?: string, bytes: { bytesSent: number; unchangedBytes: number } = { bytesSent: 0, unchangedBytes: 0 }): void {
    const view = entry.view;
    view.phase = result;
    view.stage = null;
    view.bytesPerSecond = 0;
    view.error = error;
    view.finishedAt = this.now();
    if (result === 'done') view.done = view.total;
    view.message =
      message ??
      (result === 'failed' ? `${error?.message ?? 'Failed.'}${error?.hint ? ` ${error.hint}` : ''}` : result === 'cancelled' ? 'Cancelled. Press Retry to write it again.' : view.message);
    // A cancel before anything was tried is not an attempt worth a row.
    const row = result === 'cancelled' && view.board === null ? null : this.addRow(entry, result, error ? error.message : null, bytes);
    if (row) this.emit({ kind: 'finished', station: { ...view }, row });
    this.pump();
    this.changed();
  }

  private addRow(entry: Entry, result: ClassroomResult, error: string | null, bytes: { bytesSent: number; unchangedBytes: number }): ClassroomReportRow {
    const run = this.requireRun();
    const view = entry.view;
    const finishedAt = this.now();
    const row: ClassroomReportRow = {
      runId: run.id,
      stationId: view.id,
      attempt: view.attempts,
      port: view.port,
      mac: view.board?.mac ?? null,
      chip: view.board?.chip ?? null,
      flashBytes: view.board?.flashBytes ?? null,
      firmware: run.firmwareName,
      firmwareSha256: run.firmwareSha256,
      result,
      startedAt: entry.attemptStartedAt,
      finishedAt,
      durationMs: finishedAt - entry.attemptStartedAt,
      bytesSent: bytes.bytesSent,
      unchangedBytes: bytes.unchangedBytes,
      error,
    };
    this.report.push(row);
    void this.saveHistory();
    return row;
  }

  private async cancelEntry(entry: Entry): Promise<void> {
    const { phase } = entry.view;
    if (!CLASSROOM_ACTIVE_PHASES.includes(phase) && phase !== 'ready') return;
    entry.cancelled = true;
    if (entry.jobId) {
      await this.options.jobs.cancel(entry.jobId).catch(() => undefined);
      return; // the running step ends and finishes the tile
    }
    if (phase === 'queued' || phase === 'ready') {
      await this.release(entry, 'no-reset');
      this.finish(entry, 'cancelled', null);
    }
    // 'detecting': the probe sees the flag when its connect returns.
  }

  /** Ends the board's bootloader session, if it holds one; housekeeping never fails the caller. */
  private async release(entry: Entry, after: 'hard-reset' | 'no-reset'): Promise<void> {
    const id = entry.sessionId;
    entry.sessionId = null;
    if (id) await this.options.devices.disconnect(id, after).catch(() => undefined);
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => console.error('[kiln] classroom: a board step failed unexpectedly:', error)).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private async reportOf(runId?: string): Promise<ClassroomHistoryRun> {
    if (this.run && (runId === undefined || runId === this.run.id)) return { run: structuredClone(this.run), rows: structuredClone(this.report) };
    const found = runId ? await this.options.history.find(runId) : ((await this.options.history.list())[0] ?? null);
    if (!found) throw new KilnError('not-found', runId ? `There is no classroom run ${runId}.` : 'There is no classroom run to report on yet.', 'Start a run first.');
    return found;
  }

  private async saveHistory(): Promise<void> {
    if (this.run) await this.options.history.record({ run: this.run, rows: this.report }).catch(() => undefined);
  }

  private changed(): void {
    if (this.publishTimer) return;
    const interval = this.options.publishIntervalMs ?? 100;
    const wait = Math.max(0, this.lastPublished + interval - this.now());
    this.publishTimer = setTimeout(() => {
      this.publishTimer = null;
      this.lastPublished = this.now();
      this.options.publish(this.state());
    }, wait);
    this.publishTimer.unref?.();
  }

  private requireRun(): ClassroomRunInfo {
    if (!this.run) throw new KilnError('not-found', 'No classroom run is going.', 'Choose a recipe and start one.');
    return this.run;
  }

  private requireStation(stationId: string): Entry {
    const entry = this.entries.get(stationId);
    if (!entry) throw new KilnError('not-found', 'That board is no longer on the station.', 'It may have been replaced by a newer tile.');
    return entry;
  }
}

function errorInfo(error: unknown): KilnErrorInfo {
  if (error instanceof KilnError) return error.toInfo();
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}
