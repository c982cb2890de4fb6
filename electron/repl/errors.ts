import { looksLikeWrongBaud } from './boot-line';

/**
 * Errors of the REPL client, worded for the person at the keyboard: what happened, then what
 * to do next. The Python traceback, when there is one, stays available as data.
 */

export class ReplTimeoutError extends Error {
  constructor(what: string, waitedMs: number) {
    super(
      `The board stopped answering while ${what} (waited ${(waitedMs / 1000).toFixed(1)} s). ` +
        'Press RESET on the board (or unplug it and plug it back in), then try again.',
    );
    this.name = 'ReplTimeoutError';
  }
}

/** What the board seemed to be doing when it would not enter the raw REPL. */
export type UnresponsiveKind = 'bootloader' | 'no-firmware' | 'other-firmware' | 'silent';

export class RawReplUnavailableError extends Error {
  readonly kind: UnresponsiveKind;
  constructor(detail: string, kind: UnresponsiveKind = 'silent') {
    super(RawReplUnavailableError.explain(detail, kind));
    this.name = 'RawReplUnavailableError';
    this.kind = kind;
  }

  private static explain(detail: string, kind: UnresponsiveKind): string {
    switch (kind) {
      case 'bootloader':
        return (
          'The board is in its bootloader (download mode), not running MicroPython. Press RESET without holding BOOT ' +
          '(or use Hard reset), and flash MicroPython first if it has none.'
        );
      case 'no-firmware':
        return 'The board has no firmware it can start: its boot ROM reports an invalid image in flash. Flash MicroPython onto it, then try again.';
      case 'other-firmware':
        return (
          `The board answers, but not like MicroPython (${detail}): it probably runs other firmware (Arduino, NodeMCU/Lua, AT). ` +
          'Flash MicroPython onto it, then try again.'
        );
      case 'silent':
        return (
          `The board did not enter MicroPython's raw REPL (${detail}). Make sure MicroPython is flashed and ` +
          'nothing else uses the port, press RESET on the board, then try again.'
        );
    }
  }
}

const ROM_DOWNLOAD_MARKERS = [/waiting for download/i, /boot mode:\(1,\d\)/, /DOWNLOAD(_BOOT)?\(/];

/**
 * Tells from what a board printed why it did not answer like MicroPython: the ROM loader's boot
 * line ("waiting for download", "boot mode:(1,x)") means the bootloader; MicroPython's own prompts
 * mean it is MicroPython after all (silent); other text means other firmware.
 */
export function classifyUnresponsive(seen: Uint8Array): UnresponsiveKind {
  const text = Buffer.from(seen).toString('latin1');
  if (ROM_DOWNLOAD_MARKERS.some((marker) => marker.test(text))) return 'bootloader';
  // SLIP frames (0xC0 ... 0xC0) are the bootloader protocol answering.
  if (seen.filter((byte) => byte === 0xc0).length >= 2) return 'bootloader';
  if (/invalid header|flash read err|no valid app/i.test(text)) return 'no-firmware';
  if (/>>> |raw REPL|MicroPython/.test(text)) return 'silent';
  // Bytes at another baud (an ESP8266's 74880-baud ROM line) say nothing about the firmware.
  if (looksLikeWrongBaud(seen)) return 'silent';
  const printable = text.replace(/[^\x20-\x7e]/g, '').trim();
  return printable.length >= 4 && printable.length >= text.trim().length * 0.8 ? 'other-firmware' : 'silent';
}

export class ReplProtocolError extends Error {
  constructor(detail: string) {
    super(`The board answered in a way Kiln did not expect (${detail}). Press RESET on the board, then try again.`);
    this.name = 'ReplProtocolError';
  }
}

/** Linux errno values MicroPython ports report, with what they mean for a file operation. */
const ERRNO_MEANINGS: Record<number, string> = {
  2: 'no such file or folder',
  5: 'the flash reported an input/output error',
  12: 'the board ran out of memory',
  13: 'permission denied',
  17: 'it already exists',
  19: 'no such device',
  20: 'a part of the path is not a folder',
  21: 'it is a folder',
  22: 'invalid argument',
  28: "the board's filesystem is full",
  30: 'the filesystem is read-only',
  39: 'the folder is not empty',
};

/** Code on the board raised an exception; `traceback` is what MicroPython printed. */
export class PythonError extends Error {
  readonly traceback: string;
  /** e.g. "OSError" */
  readonly exceptionType: string;
  /** e.g. "[Errno 2] ENOENT" */
  readonly exceptionMessage: string;
  /** errno of an OSError, when there is one. */
  readonly errno: number | undefined;

  constructor(traceback: string, context?: string) {
    const parsed = parseTraceback(traceback);
    const meaning = parsed.errno === undefined ? undefined : ERRNO_MEANINGS[parsed.errno];
    const summary = parsed.message ? `${parsed.type}: ${parsed.message}` : parsed.type;
    const reason = meaning ? `${meaning} (${summary})` : summary;
    super(context ? `${context}: ${reason}.` : `The code on the board raised ${reason}.`);
    this.name = 'PythonError';
    this.traceback = traceback;
    this.exceptionType = parsed.type;
    this.exceptionMessage = parsed.message;
    this.errno = parsed.errno;
  }
}

/** The last line of a MicroPython traceback, split into type, message and errno. */
export function parseTraceback(traceback: string): { type: string; message: string; errno: number | undefined } {
  const lines = traceback
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0);
  const last = lines[lines.length - 1] ?? 'Error';
  const match = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/.exec(last);
  const type = match?.[1] ?? 'Error';
  const message = (match ? match[2] : last)?.trim() ?? '';
  let errno: number | undefined;
  if (type === 'OSError') {
    const found = /^\[Errno (\d+)\]/.exec(message) ?? /^(-?\d+)$/.exec(message);
    if (found) errno = Number(found[1]);
  }
  return { type, message, errno };
}

/** An upload whose copy on the board differs from what was sent (size or hash). */
export class UploadMismatchError extends Error {
  constructor(path: string, detail: string) {
    super(`The copy of ${path} on the board does not match what Kiln sent (${detail}). Upload it again; if it keeps failing, the board's flash may be worn or full.`);
    this.name = 'UploadMismatchError';
  }
}
