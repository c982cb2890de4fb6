import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppInfo } from '../../shared/contract/app';
import type { PortInfo } from '../../shared/types/ports';
import { EventBus } from './event-bus';
import { createRouter, type Handlers, type Router } from './router';
import { createFirmwareService, type FirmwareService } from '../firmware/service';
import type { Link } from '../serial/link';
import { BackupService } from '../services/backups/backup-service';
import { BoardHistory } from '../services/backups/board-history';
import { BackupLibrary, type StorageProbe } from '../services/backups/library';
import { DeviceSessions } from '../services/device-sessions';
import { JobManager } from '../services/job-manager';
import { PortWatcher } from '../services/port-watcher';
import { ReplSessions } from '../services/repl-sessions';
import { composePortList, maxBaudForPort, type PortLister, type PortSource } from '../services/port-sources';
import { SettingsStore } from '../services/settings-store';
import { admitVirtualBoard, isVirtualPort } from '../services/virtual-board-admission';
import { LocalUploads } from '../firmware/uploads';
import { ClassroomService } from '../services/classroom';
import { ClassroomHistory } from '../services/classroom-report';
import type { JobSummary } from '../../shared/types/jobs';

export interface KilnServicesOptions {
  dataDir: string;
  mode: AppInfo['mode'];
  version: string;
  /** Lists hardware serial ports; virtual ports are added here when the Demo board is on. */
  listHardwarePorts: PortLister;
  /** The Demo board's ports, shown only when the setting is on. */
  demoPorts?: () => PortInfo[];
  /** Where the firmware catalog is read from; tests point it at a local server. */
  catalogBaseUrl?: string;
  /** Opens a serial device path or "virtual:<chip>" as a Link. */
  openLink(path: string, baud: number): Promise<Link>;
  /**
   * Frees the virtual board behind a path once its session is over. Not called for the Demo
   * boards (demoPorts), whose flash the user expects to find again at the next connect.
   */
  releaseVirtualPort?(path: string): Promise<void>;
  /** At most this many virtual boards connected at once (MAX_APP_VIRTUAL_BOARDS unless a test says). */
  virtualBoardLimit?: number;
  /** Resolves and checks a device path before it is opened; tests of fake devices replace it. */
  resolvePort?(path: string): Promise<string>;
  /** Stands in for the backups folder's disk (tests: a read-only or full one). */
  backupStorage?: StorageProbe;
}

export interface KilnServices {
  router: Router;
  events: EventBus;
  jobs: JobManager;
  firmware: FirmwareService;
  devices: DeviceSessions;
  backups: BackupService;
  repl: ReplSessions;
  classroom: ClassroomService;
  dispose(): Promise<void>;
}

/**
 * The composition root of the main process: builds every service once and binds them to the
 * contract's handlers. Electron and headless mode both call this; only the transport differs.
 */
export async function createKilnServices(options: KilnServicesOptions): Promise<KilnServices> {
  await mkdir(options.dataDir, { recursive: true });
  const events = new EventBus();
  const settings = new SettingsStore(options.dataDir);
  await settings.load();
  const jobs = new JobManager({ publish: (summary) => events.emit('job.updated', summary) });

  const demoPorts = options.demoPorts;
  const listPorts = () => {
    const sources: PortSource[] = [{ name: 'serial ports', list: options.listHardwarePorts }];
    if (settings.get().demoBoard && demoPorts) sources.push({ name: 'Demo boards', list: async () => demoPorts() });
    return composePortList(sources);
  };
  const firmware = createFirmwareService({
    dataDir: options.dataDir,
    ...(options.catalogBaseUrl !== undefined ? { catalogBaseUrl: options.catalogBaseUrl } : {}),
  });

  const uploads = new LocalUploads(join(options.dataDir, 'firmware', 'uploads'), (path) => firmware.addLocalImage(path));

  const boardHistory = new BoardHistory(options.dataDir);
  const devices = new DeviceSessions({
    jobs,
    firmware,
    openLink: options.openLink,
    publish: (sessions) => events.emit('device.sessions', sessions),
    defaultBaud: () => settings.get().flashBaud,
    maxBaudFor: async (port) => maxBaudForPort((await listPorts()).ports.find((candidate) => candidate.path === port)),
    ...(options.resolvePort ? { resolvePort: options.resolvePort } : {}),
    admitPort: (port, connectedPorts) =>
      admitVirtualBoard(port, connectedPorts, {
        demoBoard: settings.get().demoBoard,
        ...(options.virtualBoardLimit !== undefined ? { limit: options.virtualBoardLimit } : {}),
      }),
    releasePort: async (port) => {
      const keep = new Set((options.demoPorts?.() ?? []).map((demo) => demo.path));
      if (isVirtualPort(port) && !keep.has(port)) await options.releaseVirtualPort?.(port);
    },
    onConnected: (info) => void boardHistory.seen(info).catch(() => undefined),
    onWritten: (info, what) => void boardHistory.flashed(info, what).catch(() => undefined),
  });
  const backups = new BackupService({
    library: new BackupLibrary({ dir: join(options.dataDir, 'backups'), ...(options.backupStorage ? { storage: options.backupStorage } : {}) }),
    history: boardHistory,
    devices,
    jobs,
    onChanged: () => void backups.list().then((list) => events.emit('backups.changed', list), () => undefined),
  });

  // One owner per port: a terminal refuses a port a bootloader session holds (or takes it over when asked), and back.
  const repl = new ReplSessions({
    jobs,
    openLink: options.openLink,
    publish: (sessions) => events.emit('repl.sessions', sessions),
    output: (payload) => events.emit('repl.output', payload),
    portHolder: (port) => (devices.list().some((session) => session.port === port && session.status !== 'lost') ? 'Kiln is connected to its bootloader for flashing' : null),
    releasePort: async (port) => {
      for (const session of devices.list().filter((candidate) => candidate.port === port)) await devices.disconnect(session.id, 'no-reset');
    },
  });

  const portWatcher = new PortWatcher(listPorts, (ports) => events.emit('ports.changed', ports));
  portWatcher.start();

  const classroom = new ClassroomService({
    devices,
    repl,
    jobs,
    firmware,
    listPorts: () => portWatcher.poll(),
    watchJobs: (listener) => events.subscribe((name, payload) => name === 'job.updated' && listener(payload as JobSummary)),
    history: new ClassroomHistory(options.dataDir),
    publish: (state) => events.emit('classroom.changed', state),
  });

  const handlers: Handlers = {
    'app.info': () => ({
      name: 'Kiln',
      version: options.version,
      mode: options.mode,
      platform: process.platform,
      dataDir: options.dataDir,
    }),
    'settings.get': () => settings.get(),
    'settings.update': async (patch) => {
      const next = await settings.update(patch);
      // The Demo board may have appeared or gone: tell every window now, not at the next poll.
      void portWatcher.poll().catch(() => undefined);
      return next;
    },
    'ports.list': () => portWatcher.poll(),
    'jobs.list': () => jobs.list(),
    'jobs.cancel': ({ jobId }) => jobs.cancel(jobId),
    'firmware.catalog.list': () => firmware.listCatalog(),
    'firmware.catalog.refresh': () => firmware.refreshCatalog(),
    'firmware.download': ({ entryId }) =>
      jobs.start({ kind: 'download', title: `Download ${entryId}.bin`, port: null }, async ({ signal, progress }) => {
        await firmware.download(entryId, progress, signal);
      }),
    'firmware.cache.list': () => firmware.listCached(),
    'firmware.cache.remove': ({ entryId }) => firmware.removeCached(entryId),
    'firmware.local.add': ({ path }) => firmware.addLocalImage(path),
    'firmware.upload.start': ({ name, size }) => uploads.start(name, size),
    'firmware.upload.chunk': ({ uploadId, offset, base64 }) => uploads.chunk(uploadId, offset, new Uint8Array(Buffer.from(base64, 'base64'))),
    'firmware.upload.finish': ({ uploadId }) => uploads.finish(uploadId),
    'firmware.local.list': () => firmware.listLocal(),
    'firmware.local.remove': ({ id }) => firmware.removeLocal(id),
    'firmware.checkFit': ({ image, device, offset }) => firmware.checkFit(image, device, offset === undefined ? {} : { offset }),
    'device.connect': (request) => {
      repl.assertPortFree(request.port);
      return devices.connect(request);
    },
    'device.disconnect': async ({ sessionId, after }) => {
      await devices.disconnect(sessionId, after);
      return null;
    },
    'device.list': () => devices.list(),
    'device.erase': ({ sessionId }) => devices.erase(sessionId),
    'device.inspect': ({ sessionId }) => devices.inspect(sessionId),
    'device.write': (request) => devices.write(request),
    'device.probeFirmware': ({ sessionId }) => backups.probeFirmware(sessionId),
    'backups.list': ({ query }) => backups.list(query),
    'backups.create': (request) => backups.create(request),
    'backups.rename': ({ id, label }) => backups.rename(id, label),
    'backups.delete': async ({ id }) => {
      await backups.remove(id);
      return null;
    },
    'backups.export': ({ id, folder }) => backups.library.exportTo(id, folder),
    'backups.import': ({ path, label, chip, mac, offset }) => backups.importFile(path, { label, chip, mac: mac ?? null, offset: offset ?? 0 }),
    'backups.checkRestore': ({ id, sessionId }) => backups.checkRestore(id, sessionId),
    'backups.restore': (request) => backups.restore(request),
    'boards.history': () => backups.history(),
    'repl.open': (request) => repl.open(request),
    'repl.close': async ({ sessionId }) => {
      await repl.close(sessionId);
      return null;
    },
    'repl.list': () => repl.list(),
    'repl.write': async ({ sessionId, data }) => {
      await repl.write(sessionId, Buffer.from(data, 'base64'));
      return null;
    },
    'repl.setBaud': async ({ sessionId, baud }) => {
      await repl.setBaud(sessionId, baud);
      return null;
    },
    'repl.reset': async ({ sessionId, kind }) => {
      await repl.reset(sessionId, kind);
      return null;
    },
    'files.list': ({ sessionId, path }) => repl.listFiles(sessionId, path),
    'files.upload': ({ sessionId, sources, folder }) => repl.upload(sessionId, sources, folder),
    'files.download': ({ sessionId, path, target }) => repl.download(sessionId, path, target),
    'files.get': async ({ sessionId, path }) => ({ path, data: Buffer.from(await repl.getFile(sessionId, path)).toString('base64') }),
    'files.put': ({ sessionId, path, data }) => repl.put(sessionId, path, new Uint8Array(Buffer.from(data, 'base64'))),
    'files.remove': async ({ sessionId, path }) => {
      await repl.remove(sessionId, path);
      return null;
    },
    'files.rename': async ({ sessionId, from, to }) => {
      await repl.rename(sessionId, from, to);
      return null;
    },
    'files.mkdir': async ({ sessionId, path }) => {
      await repl.mkdir(sessionId, path);
      return null;
    },
    'files.run': async ({ sessionId, path }) => {
      await repl.run(sessionId, path);
      return null;
    },
    'files.readText': ({ sessionId, path }) => repl.readText(sessionId, path),
    'files.writeText': ({ sessionId, path, text }) => repl.writeText(sessionId, path, text),
    'classroom.state': () => classroom.state(),
    'classroom.start': ({ recipe, options: station }) => classroom.start(recipe, station),
    'classroom.options': (patch) => classroom.setOptions(patch),
    'classroom.stop': () => classroom.stop(),
    'classroom.retry': ({ stationId }) => classroom.retry(stationId),
    'classroom.cancel': ({ stationId }) => classroom.cancel(stationId),
    'classroom.cancelAll': () => classroom.cancelAll(),
    'classroom.history': () => classroom.history(),
    'classroom.report.csv': ({ runId }) => classroom.csv(runId),
    'classroom.report.save': ({ runId, folder }) => classroom.saveCsv(folder, runId),
  };

  return {
    router: createRouter(handlers),
    events,
    jobs,
    firmware,
    devices,
    backups,
    repl,
    classroom,
    async dispose() {
      portWatcher.stop();
      await classroom.dispose();
      await jobs.cancelAll();
      await repl.closeAll();
      await devices.closeAll();
      await boardHistory.idle();
    },
  };
}
