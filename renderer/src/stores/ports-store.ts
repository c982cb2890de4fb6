import { create } from 'zustand';
import { isLikelyBoard, type PortInfo, type PortListing } from '../../../shared/types/ports';
import { api } from '../api';
import { describeError } from '../error-text';

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
    const { selected } = get();
    // Keep the choice while its port exists; pick the only likely board when there is just one.
    const stillThere = selected !== null && ports.some((port) => port.path === selected);
    const boards = ports.filter(isLikelyBoard);
    const only = boards.length === 1 ? boards[0]!.path : null;
    set({ ports, warnings, loaded: true, selected: stillThere ? selected : only });
  },
}));

export function subscribePorts(): () => void {
  return api.on('ports.changed', (listing) => usePortsStore.getState().receive(listing));
}
