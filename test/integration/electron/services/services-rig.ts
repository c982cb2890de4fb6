/**
 * The app's services on virtual boards, as the service tests drive them: a fresh data folder, the
 * boards by port path, and the Demo board setting on (the app lets a client reach virtual boards
 * only then). `call` goes through the router, as a window's request does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKilnServices, type KilnServices, type KilnServicesOptions } from '../../../../electron/ipc/kiln-services';
import type { VirtualBoard } from '../../../../electron/virtual-board';
import type { WireResponse } from '../../../../shared/contract/api';

/** A refused request: the router's message, code and hint, so tests can match them. */
export class ServiceRefusal extends Error {
  constructor(
    readonly request: string,
    readonly code: string,
    message: string,
    readonly hint: string | undefined,
  ) {
    super(message);
  }
}

export interface ServicesRig {
  dataDir: string;
  services: KilnServices;
  boards: Map<string, VirtualBoard>;
  /** The request's result; a refusal throws a ServiceRefusal. */
  call<T>(name: string, args: unknown): Promise<T>;
  /** Disposes the services, closes the boards, removes the data folder. */
  close(): Promise<void>;
}

export async function servicesRig(
  name: string,
  boards: Map<string, VirtualBoard>,
  options: Partial<KilnServicesOptions> = {},
): Promise<ServicesRig> {
  const dataDir = await mkdtemp(join(tmpdir(), `kiln-${name}-`));
  const services = await createKilnServices({
    dataDir,
    mode: 'headless',
    version: 'test',
    listHardwarePorts: async () => [],
    openLink: async (path) => {
      const board = boards.get(path);
      if (!board) throw new Error(`no such test board ${path}`);
      return board.connect(path);
    },
    ...options,
  });
  const call = async <T>(request: string, args: unknown): Promise<T> => {
    const response: WireResponse = await services.router.handle(request, args, { client: 'test' });
    if (!response.ok) throw new ServiceRefusal(request, response.error.code, response.error.message, response.error.hint);
    return response.result as T;
  };
  await call('settings.update', { demoBoard: true });
  return {
    dataDir,
    services,
    boards,
    call,
    async close() {
      await services.dispose();
      await Promise.all([...boards.values()].map((board) => board.close()));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
