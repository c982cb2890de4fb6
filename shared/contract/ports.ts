import { z } from 'zod';
import { event, request } from './define';
import type { PortListing } from '../types/ports';

export const portsRequests = {
  'ports.list': request(z.object({}).strict()).returns<PortListing>(),
};

export const portsEvents = {
  /** The full list, whenever a port appears or disappears (or a source starts or stops failing). */
  'ports.changed': event<PortListing>(),
};
