/**
 * Without --port: the only USB serial port there is (saying which), or the candidates with their
 * adapters and a request to choose. Legacy on-board ports (/dev/ttyS*) are never a board.
 */
import type { PortDescription } from '../serial/ports';
import { UsageError } from './args';

function describe(port: PortDescription): string {
  const parts = [port.adapter ?? port.manufacturer ?? 'unknown USB serial adapter'];
  if (port.serialNumber) parts.push(`serial ${port.serialNumber}`);
  return `${port.path}  ${parts.join(', ')}`;
}

export async function choosePort(listPorts: () => Promise<PortDescription[]>, say: (line: string) => void): Promise<string> {
  let ports: PortDescription[];
  try {
    ports = await listPorts();
  } catch (error) {
    throw new UsageError(`Kiln could not list the serial ports (${error instanceof Error ? error.message : String(error)}). Name the port with --port.`);
  }
  const candidates = ports.filter((port) => port.kind === 'usb');
  if (candidates.length === 1) {
    const only = candidates[0]!;
    say(`No --port given; using ${only.path} (${only.adapter ?? only.manufacturer ?? 'USB serial'}), the only USB serial port.`);
    return only.path;
  }
  if (candidates.length === 0) {
    throw new UsageError('No board found: no USB serial port is plugged in. Plug the board in (with a data cable), or name the port with --port (--port virtual:esp32 tries a virtual board).');
  }
  throw new UsageError(`Several serial ports found; choose one with --port:\n${candidates.map((port) => `  ${describe(port)}`).join('\n')}`);
}
