import { create } from 'zustand';
import type { DeviceSession } from '../../../shared/types/device';
import { api } from '../api';
import { describeError } from '../error-text';

interface DeviceState {
  sessions: DeviceSession[];
  /** The port a connect is under way for, so its button can show progress and not be pressed twice. */
  connecting: string | null;
  /** The last connect failure, per port, shown next to the button until the next try. */
  errors: Record<string, string>;
  connect(port: string, options?: { baud?: number }): Promise<void>;
  disconnect(sessionId: string): Promise<void>;
  receive(sessions: DeviceSession[]): void;
  refresh(): Promise<void>;
}

export const useDeviceStore = create<DeviceState>((set, get) => ({
  sessions: [],
  connecting: null,
  errors: {},
  async connect(port, options = {}) {
    if (get().connecting) return;
    set((state) => ({ connecting: port, errors: omit(state.errors, port) }));
    try {
      // inspect: the board card says what is on the board now (MicroPython's version, or empty).
      const session = await api.invoke('device.connect', { port, inspect: true, ...(options.baud ? { baud: options.baud } : {}) });
      get().receive([...get().sessions.filter((s) => s.id !== session.id), session]);
    } catch (error) {
      set((state) => ({ errors: { ...state.errors, [port]: describeError(error) } }));
    } finally {
      set({ connecting: null });
    }
  },
  async disconnect(sessionId) {
    try {
      await api.invoke('device.disconnect', { sessionId, after: 'hard-reset' });
    } catch (error) {
      const port = get().sessions.find((s) => s.id === sessionId)?.port;
      if (port) set((state) => ({ errors: { ...state.errors, [port]: describeError(error) } }));
    }
    await get().refresh();
  },
  receive(sessions) {
    set({ sessions });
  },
  async refresh() {
    try {
      set({ sessions: await api.invoke('device.list', {}) });
    } catch {
      // The list comes again with the next 'device.sessions' event.
    }
  },
}));

function omit(record: Record<string, string>, key: string): Record<string, string> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}

export function subscribeDevices(): () => void {
  return api.on('device.sessions', (sessions) => useDeviceStore.getState().receive(sessions));
}
