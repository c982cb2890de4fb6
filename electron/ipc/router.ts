import { requests, isRequestName, type RequestName, type RequestResult, type ValidatedArgs } from '../../shared/contract';
import type { WireResponse } from '../../shared/contract/api';
import { KilnError, type KilnErrorInfo } from '../../shared/types/errors';

/** Who is asking: the Electron window or a WebSocket client. Services may use it for logging. */
export interface RequestContext {
  client: string;
}

export type Handlers = {
  [N in RequestName]: (args: ValidatedArgs<N>, context: RequestContext) => Promise<RequestResult<N>> | RequestResult<N>;
};

export interface Router {
  /** Never throws: every outcome, including a malformed request or a bug, becomes a WireResponse. */
  handle(name: unknown, args: unknown, context: RequestContext): Promise<WireResponse>;
}

export type ErrorLogger = (message: string, error: unknown) => void;

/**
 * The single entry point for every request from a client. It checks the name and validates the
 * arguments against the contract's schema before any service sees them, so neither the renderer
 * nor a hostile page can pass a malformed path, size or offset into the engine.
 */
export function createRouter(handlers: Handlers, logError: ErrorLogger = defaultLogger): Router {
  return {
    async handle(name, args, context) {
      if (!isRequestName(name)) {
        return failure({ code: 'unknown-request', message: `Kiln has no request named ${describe(name)}.` });
      }
      const parsed = requests[name].args.safeParse(args ?? {});
      if (!parsed.success) {
        const problems = parsed.error.issues
          .slice(0, 5)
          .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'arguments'} ${lowerFirst(issue.message)}`)
          .join('; ');
        return failure({ code: 'bad-request', message: `Invalid arguments for ${name}: ${problems}.` });
      }
      try {
        const handler = handlers[name] as (a: unknown, c: RequestContext) => unknown;
        const result = await handler(parsed.data, context);
        return { ok: true, result };
      } catch (error) {
        if (error instanceof KilnError) return failure(error.toInfo());
        logError(`request ${name} failed unexpectedly`, error);
        return failure({
          code: 'internal',
          message: `Kiln hit an internal error while handling ${name}. The details are in the log; please report it.`,
        });
      }
    },
  };
}

function failure(error: KilnErrorInfo): WireResponse {
  return { ok: false, error };
}

function describe(name: unknown): string {
  if (typeof name !== 'string') return `of type ${typeof name}`;
  return JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);
}

function lowerFirst(text: string): string {
  return text.length > 0 ? text[0]!.toLowerCase() + text.slice(1) : text;
}

const defaultLogger: ErrorLogger = (message, error) => {
  console.error(`[kiln] ${message}:`, error);
};
