/**
 * Virtual boards for the command line keep their flash between runs, like a real board on the
 * desk: each named board ("virtual:esp32", "virtual:esp8266:512KB") has a file in the data
 * folder, or the one --flash-file names. Written atomically after changes and before exit.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Link } from '../serial/link';
import { isVirtualPortPath, openVirtualPort, saveVirtualBoard } from '../virtual-board/access/virtual-ports';

export { isVirtualPortPath };

/** <dataDir>/virtual-boards/esp8266-512KB.bin for virtual:esp8266:512KB. */
export function virtualFlashFile(dataDir: string, port: string): string {
  return path.join(dataDir, 'virtual-boards', `${port.replace(/^virtual:/, '').replace(/:/g, '-')}.bin`);
}

export async function openPersistentVirtualPort(port: string, flashFile: string, baud: number): Promise<Link> {
  await mkdir(path.dirname(flashFile), { recursive: true });
  const link = await openVirtualPort(port, { flashFile });
  if (link.baudRate !== baud) await link.setBaudRate(baud);
  return link;
}

/** Saves the board's flash now (the process may exit right after the command). */
export async function saveVirtualPort(port: string): Promise<void> {
  await saveVirtualBoard(port);
}
