import { create } from 'zustand';
import { isLikelyBoard, type PortInfo, type PortListing } from '../../../shared/types/ports';
import { api } from '../api';
import { describeError } from '../error-text';
import { useDeviceStore } from './device-store';
import { useReplStore } from './repl-store';

/** Whether a board on `path` is in use (a flashing session or a terminal): its selection must not be taken away. */
function inUse(path: string): boolean {
  return useDeviceStore.getState().sessions.some((s) => s.port === path && s.status !== 'lost') || useReplStore.getState().sessions.some((s) => s.port === path);
}

interface PortsState {
  ports: PortInfo[];
  /** Sources that could not be listed (the others' ports are still shown). */
  warnings: string[];
  /** Until the first list arrives, the picker shows a spinner instead of "no boards". */
  loaded: boolean;
  selected: string | null;
  error: string | null;
  refresh(): Promise<void>;
  select(path: string): void;
  receive(listing: PortListing): void;
}

export const usePortsStore = create<PortsState>((set, get) => ({
  ports: [],
  warnings: [],
  loaded: false,
  selected: null,
  error: null,
  async refresh() {
    try {
      get().receive(await api.invoke('ports.list', {}));
      set({ error: null });
    } catch (error) {
      set({ error: describeError(error), loaded: true });
    }
  },
  select(path) {
    set({ selected: path });
  },
  receive({ ports, warnings }) {
    const { selected, loaded, ports: before } = get();
    // Keep the choice while its port exists; pick the only likely board when there is just one.
    const stillThere = selected !== null && ports.some((port) => port.path === selected);
    const boards = ports.filter(isLikelyBoard);
    const only = boards.length === 1 ? boards[0]!.path : null;
    // A board that appeared since the last list was "just plugged in": choose it, unless the current
    // choice is a board being worked on (a session or a terminal), which is never taken away.
    const known = new Set(before.map((port) => port.path));
    const plugged = loaded ? boards.filter((port) => !known.has(port.path) && !port.virtual).at(-1)?.path ?? null : null;
    const keep = stillThere && (plugged === null || inUse(selected));
    set({ ports, warnings, loaded: true, selected: keep ? selected : (plugged ?? (stillThere ? selected : only)) });
  },
}));

export function subscribePorts(): () => void {
  return api.on('ports.changed', (listing) => usePortsStore.getState().receive(listing));
}
