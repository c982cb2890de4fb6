import { EVENT_CHANNEL, INVOKE_CHANNEL } from '../../shared/contract/channels';
import type { WireResponse } from '../../shared/contract/api';
import type { EventBus } from '../ipc/event-bus';
import type { Router } from '../ipc/router';
import { isTrustedUrl } from './window-security';

/** The parts of Electron's ipcMain and WebContents the bridge uses; tests pass fakes. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}
export interface EventTarget {
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
}

/**
 * Binds the router to Electron IPC. Every request is checked twice: the sender must be a frame
 * served by Kiln (app://kiln), and the router validates the arguments against the contract.
 * Errors travel as values, because Electron strips the fields of thrown errors.
 */
export function bindIpc(ipcMain: IpcMainLike, router: Router, events: EventBus, target: EventTarget): () => void {
  ipcMain.handle(INVOKE_CHANNEL, async (event, name, args): Promise<WireResponse> => {
    if (!isTrustedUrl(event.senderFrame?.url)) {
      return { ok: false, error: { code: 'bad-request', message: 'Requests are only accepted from Kiln’s own window.' } };
    }
    return router.handle(name, args, { client: 'electron' });
  });
  const unsubscribe = events.subscribe((name, payload) => {
    if (!target.isDestroyed()) target.send(EVENT_CHANNEL, name, payload);
  });
  return () => {
    unsubscribe();
    ipcMain.removeHandler(INVOKE_CHANNEL);
  };
}
