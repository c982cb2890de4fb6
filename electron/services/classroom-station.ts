/**
 * The services classroom mode needs, composed for a screenless station (`kiln classroom`): the
 * same firmware service, jobs, device and REPL sessions and classroom loop the app composes in
 * electron/ipc/kiln-services.ts, with the port list from the given sources and no UI events.
 */
import { createFirmwareService } from '../firmware/service';
import type { Link } from '../serial/link';
import type { ClassroomState } from '../../shared/types/classroom';
import type { JobSummary } from '../../shared/types/jobs';
import type { PortListing } from '../../shared/types/ports';
import { ClassroomService } from './classroom';
import { ClassroomHistory } from './classroom-report';
import { DeviceSessions } from './device-sessions';
import { JobManager } from './job-manager';
import { ReplSessions } from './repl-sessions';

export interface ClassroomStationOptions {
  dataDir: string;
  listPorts(): Promise<PortListing>;
  openLink(path: string, baud: number): Promise<Link>;
  onState?(state: ClassroomState): void;
  pollIntervalMs?: number;
}

export interface ClassroomStationServices {
  classroom: ClassroomService;
  dispose(): Promise<void>;
}

export function createClassroomStation(options: ClassroomStationOptions): ClassroomStationServices {
  const jobListeners = new Set<(job: JobSummary) => void>();
  const jobs = new JobManager({ publish: (job) => jobListeners.forEach((listener) => listener(job)) });
  const firmware = createFirmwareService({ dataDir: options.dataDir });
  const devices = new DeviceSessions({ jobs, firmware, openLink: options.openLink, publish: () => undefined, defaultBaud: () => 460800 });
  // One owner per port, as in the app: the terminal that copies the files takes the port from the bootloader session.
  const repl = new ReplSessions({
    jobs,
    openLink: options.openLink,
    publish: () => undefined,
    output: () => undefined,
    portHolder: (port) => (devices.list().some((session) => session.port === port && session.status !== 'lost') ? 'Kiln is connected to its bootloader' : null),
    releasePort: async (port) => {
      for (const session of devices.list().filter((candidate) => candidate.port === port)) await devices.disconnect(session.id, 'no-reset');
    },
  });
  const classroom = new ClassroomService({
    devices,
    repl,
    jobs,
    firmware,
    listPorts: options.listPorts,
    watchJobs: (listener) => {
      jobListeners.add(listener);
      return () => jobListeners.delete(listener);
    },
    history: new ClassroomHistory(options.dataDir),
    publish: (state) => options.onState?.(state),
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
  });
  return {
    classroom,
    async dispose() {
      await classroom.dispose();
      await jobs.cancelAll();
      await repl.closeAll();
      await devices.closeAll();
    },
  };
}
