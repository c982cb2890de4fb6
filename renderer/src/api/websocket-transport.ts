import type { WireResponse, WireServerFrame } from '../../../shared/contract/api';
import type { Transport } from './wire-client';

/** 'unauthorized': this page's token is missing or no longer valid (Kiln restarted); retrying cannot help. */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'unauthorized';

/**
 * Headless mode's transport: JSON frames over one WebSocket to the Kiln process that served this
 * page. Reconnects with backoff (the process may restart); requests made while disconnected wait
 * for the connection; requests in flight when it drops fail with a readable error.
 */
export class WebSocketTransport implements Transport {
  private socket: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (response: WireResponse) => void>();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private opened: Promise<WebSocket> | null = null;
  private retryMs = 250;

  private unauthorized = false;

  /** `hasToken` false: the page was opened without its token, so connecting is not even tried. */
  constructor(
    private readonly url: string,
    private readonly hasToken = true,
  ) {}

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  async invoke(name: string, args: unknown): Promise<WireResponse> {
    const socket = await this.open();
    const id = this.nextId++;
    return new Promise<WireResponse>((resolve) => {
      this.pending.set(id, resolve);
      socket.send(JSON.stringify({ type: 'request', id, name, args }));
    });
  }

  on(name: string, listener: (payload: unknown) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener);
    void this.open().catch(() => undefined);
    return () => set.delete(listener);
  }

  private open(): Promise<WebSocket> {
    this.opened ??= new Promise<WebSocket>((resolve) => {
      if (!this.hasToken) {
        this.unauthorized = true;
        queueMicrotask(() => this.setState('unauthorized'));
        return;
      }
      const connect = () => {
        if (this.unauthorized) return;
        this.setState('connecting');
        const socket = new WebSocket(this.url);
        socket.onopen = () => {
          this.retryMs = 250;
          this.socket = socket;
          this.setState('open');
          resolve(socket);
        };
        socket.onmessage = (message) => this.receive(String(message.data));
        socket.onclose = () => {
          const wasOpen = this.socket === socket;
          this.socket = null;
          this.failPending();
          this.setState('closed');
          if (wasOpen) this.opened = null;
          // The page's own server answers but the WebSocket was refused: the token is wrong or from
          // an earlier run. Say so instead of retrying forever. Otherwise Kiln is down: keep trying.
          void this.serverAnswers().then((answers) => {
            if (answers && !wasOpen) {
              this.unauthorized = true;
              this.setState('unauthorized');
              return;
            }
            setTimeout(() => (wasOpen ? void this.open().catch(() => undefined) : connect()), this.retryMs);
            this.retryMs = Math.min(this.retryMs * 2, 5000);
          });
        };
      };
      connect();
    });
    return this.opened;
  }

  private async serverAnswers(): Promise<boolean> {
    try {
      const response = await fetch('/', { method: 'HEAD', cache: 'no-store' });
      return response.ok;
    } catch {
      return false;
    }
  }

  private receive(text: string): void {
    let frame: WireServerFrame;
    try {
      frame = JSON.parse(text) as WireServerFrame;
    } catch {
      return;
    }
    if (frame.type === 'response') {
      const resolve = this.pending.get(frame.id);
      this.pending.delete(frame.id);
      resolve?.(frame.response);
    } else if (frame.type === 'event') {
      for (const listener of this.listeners.get(frame.name) ?? []) listener(frame.payload);
    }
  }

  private failPending(): void {
    for (const resolve of this.pending.values()) {
      resolve({ ok: false, error: { code: 'io', message: 'Lost the connection to Kiln.', hint: 'Check that Kiln is still running, then try again.' } });
    }
    this.pending.clear();
  }

  private setState(state: ConnectionState): void {
    for (const listener of this.stateListeners) listener(state);
  }
}
