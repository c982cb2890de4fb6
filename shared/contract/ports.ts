import { z } from 'zod';
import { event, request } from './define';
import type { PortInfo } from '../types/ports';

export const portsRequests = {
  'ports.list': request(z.object({}).strict()).returns<PortInfo[]>(),
};

export const portsEvents = {
  /** The full list, whenever a port appears or disappears. */
  'ports.changed': event<PortInfo[]>(),
};
