import type { z } from 'zod';
import type { EventSpec, RequestSpec } from './define';
import { appRequests } from './app';
import { backupsEvents, backupsRequests } from './backups';
import { classroomEvents, classroomRequests } from './classroom';
import { deviceEvents, deviceRequests } from './device';
import { firmwareRequests } from './firmware';
import { jobsEvents, jobsRequests } from './jobs';
import { portsEvents, portsRequests } from './ports';
import { replEvents, replRequests } from './repl';
import { uploadsRequests } from './uploads';

/**
 * The one contract between the renderer and the main process. Every request and every event is
 * declared here (by domain, in the files beside this one) and nowhere else.
 */
export const requests = {
  ...appRequests,
  ...portsRequests,
  ...jobsRequests,
  ...firmwareRequests,
  ...deviceRequests,
  ...backupsRequests,
  ...replRequests,
  ...uploadsRequests,
  ...classroomRequests,
};

export const events = {
  ...portsEvents,
  ...jobsEvents,
  ...deviceEvents,
  ...backupsEvents,
  ...replEvents,
  ...classroomEvents,
};

type Requests = typeof requests;
type Events = typeof events;

export type RequestName = keyof Requests;
export type EventName = keyof Events;

/** What a caller passes (before defaults are applied). */
export type RequestArgs<N extends RequestName> = z.input<Requests[N]['args']>;
/** What a handler receives (validated, defaults applied). */
export type ValidatedArgs<N extends RequestName> = z.output<Requests[N]['args']>;
export type RequestResult<N extends RequestName> = Requests[N] extends RequestSpec<z.ZodType, infer R> ? R : never;
export type EventPayload<E extends EventName> = Events[E] extends EventSpec<infer P> ? P : never;

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requests, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}
