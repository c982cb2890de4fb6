/**
 * The REPL terminal and the board's files: a REPL session owns one port, streams the board's
 * console to the terminal and runs file operations over MicroPython's raw REPL in between.
 */

/**
 * connected: the terminal is live; rebooting: Kiln reset the board and waits for its prompt;
 * busy: a file operation holds the port and the terminal is paused; disconnected: the port went
 * away and Kiln tries to reopen it; closed: the session ended.
 */
export type ReplBoardState = 'connected' | 'rebooting' | 'busy' | 'disconnected' | 'closed';

export interface ReplSessionInfo {
  id: string;
  port: string;
  baud: number;
  state: ReplBoardState;
  /** False on a pty or an adapter without RTS: only a soft reset is possible. */
  canHardReset: boolean;
  /** "esp8266", "esp32", ... once known from the board's banner or uname; null before. */
  platform: string | null;
  /** One sentence about the last change ("Reconnected after the board reset."), or null. */
  note: string | null;
}

export interface BoardFileEntry {
  name: string;
  /** Absolute path on the board. */
  path: string;
  kind: 'file' | 'dir';
  size: number;
}

export interface BoardFileListing {
  path: string;
  entries: BoardFileEntry[];
  /** Of the filesystem holding `path`; null where the firmware cannot tell. */
  usage: { totalBytes: number; freeBytes: number } | null;
}

/** Console bytes, base64 encoded: binary-safe through JSON and IPC. */
export interface ReplOutput {
  sessionId: string;
  data: string;
}

/** Baud rates the terminal offers. */
export const TERMINAL_BAUD_RATES = [9600, 19200, 38400, 57600, 74880, 115200, 230400, 460800, 921600] as const;
