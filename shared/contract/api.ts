import type { EventName, EventPayload, RequestArgs, RequestName, RequestResult } from './index';
import type { KilnErrorInfo } from '../types/errors';

/**
 * What the renderer talks to. Two implementations: the Electron preload (contextBridge over IPC)
 * and the WebSocket client (headless mode). Both carry the same wire messages below.
 */
export interface KilnApi {
  /** Rejects with KilnRequestError (code, message, hint) when the request fails. */
  invoke<N extends RequestName>(name: N, args: RequestArgs<N>): Promise<RequestResult<N>>;
  /** Returns a function that unsubscribes. */
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** The result of a request as it crosses IPC or the WebSocket. */
export type WireResponse = { ok: true; result: unknown } | { ok: false; error: KilnErrorInfo };

/** WebSocket frames (JSON). */
export interface WireRequestFrame {
  type: 'request';
  id: number;
  name: string;
  args: unknown;
}
export interface WireResponseFrame {
  type: 'response';
  id: number;
  response: WireResponse;
}
export interface WireEventFrame {
  type: 'event';
  name: string;
  payload: unknown;
}
export type WireServerFrame = WireResponseFrame | WireEventFrame;
