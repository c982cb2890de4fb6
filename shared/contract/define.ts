import type { z } from 'zod';

/**
 * Building blocks of the contract. A request pairs a runtime schema for its arguments (checked by
 * the router in the main process before any service sees them) with a compile-time result type.
 * An event is a compile-time payload type: events flow from the trusted main process only.
 */
export interface RequestSpec<Args extends z.ZodType, Result> {
  readonly args: Args;
  /** Phantom: carries the result type; never read at run time. */
  readonly result?: Result;
}

export function request<Args extends z.ZodType>(args: Args) {
  return {
    returns<Result>(): RequestSpec<Args, Result> {
      return { args };
    },
  };
}

export interface EventSpec<Payload> {
  /** Phantom: carries the payload type; never read at run time. */
  readonly payload?: Payload;
}

export function event<Payload>(): EventSpec<Payload> {
  return {};
}
