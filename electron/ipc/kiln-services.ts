import { mkdir } from 'node:fs/promises';
import type { AppInfo } from '../../shared/contract/app';
import type { PortInfo } from '../../shared/types/ports';
import { EventBus } from './event-bus';
import { createRouter, type Handlers, type Router } from './router';
import { createFirmwareService, type FirmwareService } from '../firmware/service';
import type { Link } from '../serial/link';
import { DeviceSessions } from '../services/device-sessions';
import { JobManager } from '../services/job-manager';
import { PortWatcher } from '../services/port-watcher';
import { composePortList, type PortLister, type PortSource } from '../services/port-sources';
import { SettingsStore } from '../services/settings-store';
import { LocalUploads } from '../firmware/uploads';
import { join } from 'node:path';

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
}

export interface KilnServices {
  router: Router;
  events: EventBus;
  jobs: JobManager;
  firmware: FirmwareService;
  devices: DeviceSessions;
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

  const devices = new DeviceSessions({
    jobs,
    firmware,
    openLink: options.openLink,
    publish: (sessions) => events.emit('device.sessions', sessions),
    defaultBaud: () => settings.get().flashBaud,
  });

  const portWatcher = new PortWatcher(listPorts, (ports) => events.emit('ports.changed', ports));
  portWatcher.start();

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
    'device.connect': (request) => devices.connect(request),
    'device.disconnect': async ({ sessionId, after }) => {
      await devices.disconnect(sessionId, after);
      return null;
    },
    'device.list': () => devices.list(),
    'device.erase': ({ sessionId }) => devices.erase(sessionId),
    'device.inspect': ({ sessionId }) => devices.inspect(sessionId),
    'device.write': (request) => devices.write(request),
  };

  return {
    router: createRouter(handlers),
    events,
    jobs,
    firmware,
    devices,
    async dispose() {
      portWatcher.stop();
      await jobs.cancelAll();
      await devices.closeAll();
    },
  };
}
