import { create } from 'zustand';
import { isLikelyBoard, type PortInfo } from '../../../shared/types/ports';
import { api } from '../api';
import { describeError } from '../error-text';

interface PortsState {
  ports: PortInfo[];
  /** Until the first list arrives, the picker shows a spinner instead of "no boards". */
  loaded: boolean;
  selected: string | null;
  error: string | null;
  refresh(): Promise<void>;
  select(path: string): void;
  receive(ports: PortInfo[]): void;
}

export const usePortsStore = create<PortsState>((set, get) => ({
  ports: [],
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
  receive(ports) {
    const { selected } = get();
    // Keep the choice while its port exists; pick the only likely board when there is just one.
    const stillThere = selected !== null && ports.some((port) => port.path === selected);
    const boards = ports.filter(isLikelyBoard);
    const only = boards.length === 1 ? boards[0]!.path : null;
    set({ ports, loaded: true, selected: stillThere ? selected : only });
  },
}));

export function subscribePorts(): () => void {
  return api.on('ports.changed', (ports) => usePortsStore.getState().receive(ports));
}
