/**
 * The files classroom mode puts on every board after the firmware: the recipe's own (main.py,
 * boot.py, a library), and, with Wi-Fi credentials, /wifi.json plus a boot.py that reads it and
 * joins the network (only when the recipe brings no boot.py of its own). Read once when the run
 * starts, sized before they are read, so a bad path is refused before any board is touched.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ClassroomFile, ClassroomWifi } from '../../shared/types/classroom';
import { KilnError } from '../../shared/types/errors';
import { formatBytes } from '../../shared/format';

/** A MicroPython board's filesystem is a few hundred KiB to a few MiB; one file larger than this is a mistake. */
export const MAX_CLASSROOM_FILE_BYTES = 1024 * 1024;

export interface BoardFile {
  boardPath: string;
  data: Uint8Array;
  /** For messages: the local path, or "Kiln's boot.py". */
  source: string;
}

export const WIFI_CONFIG_PATH = '/wifi.json';

/**
 * Kiln's boot.py: joins the network in /wifi.json if there is one, gives up after 15 s so a
 * classroom without that network still gets a REPL, and never stops the board from booting.
 */
export const WIFI_BOOT_PY = `# boot.py written by Kiln's classroom mode: joins the Wi-Fi network in /wifi.json.
try:
    import json, network, time
    with open('/wifi.json') as f:
        cfg = json.load(f)
    wlan = network.WLAN(network.STA_IF)
    wlan.active(True)
    if not wlan.isconnected():
        wlan.connect(cfg['ssid'], cfg['password'])
        deadline = time.ticks_add(time.ticks_ms(), 15000)
        while not wlan.isconnected() and time.ticks_diff(deadline, time.ticks_ms()) > 0:
            time.sleep_ms(200)
    print('wifi:', 'connected' if wlan.isconnected() else 'not connected', cfg['ssid'])
except Exception as e:
    print('wifi: skipped,', e)
`;

export async function loadBoardFiles(files: readonly ClassroomFile[], wifi: ClassroomWifi | null): Promise<BoardFile[]> {
  const out: BoardFile[] = [];
  for (const file of files) {
    const boardPath = file.boardPath ?? `/${basename(file.path)}`;
    let info;
    try {
      info = await stat(file.path);
    } catch {
      throw new KilnError('not-found', `The file ${file.path} (for ${boardPath} on the boards) does not exist.`, 'Check the path in the recipe.');
    }
    if (!info.isFile()) throw new KilnError('bad-request', `${file.path} is not a file.`, 'Give the path of a file such as main.py.');
    if (info.size > MAX_CLASSROOM_FILE_BYTES) {
      throw new KilnError('bad-request', `${file.path} is ${formatBytes(info.size)}; files for the boards may be at most ${formatBytes(MAX_CLASSROOM_FILE_BYTES)}.`, 'Put large data on the boards another way.');
    }
    if (out.some((other) => other.boardPath === boardPath)) throw new KilnError('bad-request', `Two files in the recipe go to ${boardPath}.`, 'Give each file its own place on the board.');
    out.push({ boardPath, data: new Uint8Array(await readFile(file.path)), source: file.path });
  }
  if (wifi) {
    if (out.some((file) => file.boardPath === WIFI_CONFIG_PATH)) throw new KilnError('bad-request', `The recipe has its own ${WIFI_CONFIG_PATH} and Wi-Fi credentials.`, 'Use one or the other.');
    out.push({ boardPath: WIFI_CONFIG_PATH, data: new TextEncoder().encode(`${JSON.stringify({ ssid: wifi.ssid, password: wifi.password })}\n`), source: 'the Wi-Fi settings' });
    if (!out.some((file) => file.boardPath === '/boot.py')) out.push({ boardPath: '/boot.py', data: new TextEncoder().encode(WIFI_BOOT_PY), source: "Kiln's boot.py" });
  }
  return out;
}
