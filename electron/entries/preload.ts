/**
 * The preload script: the only bridge between the sandboxed page and the main process. It exposes
 * exactly the KilnApi shape (invoke a named request, listen to named events) and nothing else:
 * no ipcRenderer, no Node. Runs sandboxed, so it is bundled to one CommonJS file.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from '../../shared/contract/channels';
import type { WireResponse } from '../../shared/contract/api';

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();

ipcRenderer.on(EVENT_CHANNEL, (_event: IpcRendererEvent, name: string, payload: unknown) => {
  for (const listener of listeners.get(name) ?? []) listener(payload);
});

const bridge = {
  invoke(name: string, args: unknown): Promise<WireResponse> {
    return ipcRenderer.invoke(INVOKE_CHANNEL, name, args) as Promise<WireResponse>;
  },
  on(name: string, listener: Listener): () => void {
    let set = listeners.get(name);
    if (!set) listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  },
};

export type KilnBridge = typeof bridge;

contextBridge.exposeInMainWorld('kilnBridge', bridge);
