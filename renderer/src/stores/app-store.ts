import { create } from 'zustand';
import type { AppInfo } from '../../../shared/contract/app';
import type { Settings } from '../../../shared/types/settings';
import { describeError } from '../error-text';
import { api, websocket, type ApiMode } from '../api';
import type { ConnectionState } from '../api/websocket-transport';

export type Screen = 'flash' | 'terminal' | 'device' | 'backups' | 'classroom' | 'settings';

interface AppState {
  info: AppInfo | null;
  settings: Settings | null;
  screen: Screen;
  /** 'open' in the desktop app; follows the WebSocket in headless mode. */
  connection: ConnectionState;
  error: string | null;
  load(): Promise<void>;
  show(screen: Screen): void;
  updateSettings(patch: Partial<Settings>): Promise<void>;
  dismissError(): void;
}

export const useAppStore = create<AppState>((set, get) => ({
  info: null,
  settings: null,
  screen: 'flash',
  connection: websocket ? 'connecting' : 'open',
  error: null,
  async load() {
    try {
      const [info, settings] = await Promise.all([api.invoke('app.info', {}), api.invoke('settings.get', {})]);
      set({ info, settings });
    } catch (error) {
      set({ error: describeError(error) });
    }
  },
  show(screen) {
    set({ screen });
  },
  async updateSettings(patch) {
    // Show the change at once (a checkbox must not lag behind the click); undo it if saving fails.
    const before = get().settings;
    if (before) set({ settings: { ...before, ...patch } });
    try {
      set({ settings: await api.invoke('settings.update', patch) });
    } catch (error) {
      set({ settings: before, error: describeError(error) });
    }
  },
  dismissError() {
    set({ error: null });
  },
}));

export function trackConnection(mode: ApiMode): void {
  if (mode === 'headless' && websocket) {
    websocket.onState((connection) => {
      useAppStore.setState({ connection });
      // After a reconnect, the process may have restarted: fetch what we show again.
      if (connection === 'open') void useAppStore.getState().load();
    });
  }
}
