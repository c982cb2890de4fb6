import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { PortInfo } from '../../../../shared/types/ports';

// The stores talk to the main process through the api module; these tests only feed them lists.
vi.mock('../../../../renderer/src/api', () => ({ api: { invoke: vi.fn(), on: vi.fn(() => () => undefined) }, websocket: null, mode: 'electron' }));

const { usePortsStore } = await import('../../../../renderer/src/stores/ports-store');
const { useDeviceStore } = await import('../../../../renderer/src/stores/device-store');

const usb = (path: string): PortInfo => ({ path, label: `CP210x (${path})`, adapter: 'Silicon Labs CP210x', vendorId: '10c4', productId: 'ea60', serialNumber: null, virtual: false });
const listing = (...ports: PortInfo[]) => ({ ports, warnings: [] });

beforeEach(() => {
  usePortsStore.setState({ ports: [], warnings: [], loaded: false, selected: null, error: null });
  useDeviceStore.setState({ sessions: [] });
});

describe('choosing the port', () => {
  it('picks the only board on the first list, and the board just plugged in after that', () => {
    const { receive } = usePortsStore.getState();
    receive(listing(usb('/dev/ttyUSB0')));
    expect(usePortsStore.getState().selected).toBe('/dev/ttyUSB0');
    receive(listing(usb('/dev/ttyUSB0'), usb('/dev/ttyUSB1')));
    expect(usePortsStore.getState().selected).toBe('/dev/ttyUSB1');
  });

  it('never takes the choice away from a board that is being worked on', () => {
    const { receive } = usePortsStore.getState();
    receive(listing(usb('/dev/ttyUSB0')));
    useDeviceStore.setState({ sessions: [{ id: 'dev-1', port: '/dev/ttyUSB0', status: 'ready' } as never] });
    receive(listing(usb('/dev/ttyUSB0'), usb('/dev/ttyUSB1')));
    expect(usePortsStore.getState().selected).toBe('/dev/ttyUSB0');
  });

  it('keeps a choice the user made when nothing new appears', () => {
    const { receive, select } = usePortsStore.getState();
    receive(listing(usb('/dev/ttyUSB0'), usb('/dev/ttyUSB1')));
    select('/dev/ttyUSB0');
    receive(listing(usb('/dev/ttyUSB0'), usb('/dev/ttyUSB1')));
    expect(usePortsStore.getState().selected).toBe('/dev/ttyUSB0');
  });
});
