import type { KilnApi, WireResponse } from '../../../shared/contract/api';
import { apiOverTransport, type Transport } from './wire-client';
import { WebSocketTransport } from './websocket-transport';

declare global {
  interface Window {
    /** Present in the desktop app: exposed by electron/entries/preload.ts. */
    kilnBridge?: {
      invoke(name: string, args: unknown): Promise<WireResponse>;
      on(name: string, listener: (payload: unknown) => void): () => void;
    };
  }
}

export type ApiMode = 'electron' | 'headless';

/**
 * Picks the transport: the preload bridge in the desktop app, else a WebSocket back to the
 * headless server that served this page (its token comes in the URL fragment).
 */
function createApi(): { api: KilnApi; mode: ApiMode; websocket: WebSocketTransport | null } {
  if (window.kilnBridge) {
    const transport: Transport = window.kilnBridge;
    return { api: apiOverTransport(transport), mode: 'electron', websocket: null };
  }
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const websocket = new WebSocketTransport(`${scheme}://${window.location.host}/api?token=${encodeURIComponent(token)}`, token !== '');
  return { api: apiOverTransport(websocket), mode: 'headless', websocket };
}

export const { api, mode: apiMode, websocket } = createApi();
