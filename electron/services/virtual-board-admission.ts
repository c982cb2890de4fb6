import { KilnError } from '../../shared/types/errors';

/**
 * How many virtual boards one app may have connected at once. Each is a whole modelled board in
 * this process (~4 MiB of flash, a MicroPython runtime once booted), so a script or a hostile
 * client connecting to virtual:esp32:1, :2, … must hit a limit, not the machine's memory.
 */
export const MAX_APP_VIRTUAL_BOARDS = 8;

export const isVirtualPort = (port: string): boolean => port.startsWith('virtual:');

/**
 * The app's rules for virtual boards (the CLI has none: there a virtual board is always a
 * deliberate choice). They exist only while the Demo board setting is on, and only so many.
 */
export function admitVirtualBoard(port: string, connectedPorts: string[], rules: { demoBoard: boolean; limit?: number }): void {
  if (!isVirtualPort(port)) return;
  if (!rules.demoBoard) {
    throw new KilnError('bad-request', `${port} is a virtual board, and the Demo board is turned off.`, 'Turn on “Demo board” in Settings to use virtual boards.');
  }
  const limit = rules.limit ?? MAX_APP_VIRTUAL_BOARDS;
  if (connectedPorts.filter(isVirtualPort).length >= limit) {
    throw new KilnError('busy', `Kiln is already connected to ${limit} virtual boards, the most it allows at once.`, 'Disconnect one of them, then connect again.');
  }
}
