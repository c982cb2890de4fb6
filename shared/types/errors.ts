/**
 * Errors that cross the contract. Never a stack trace: a code the UI can branch on, a sentence a
 * person can read, and where possible what to do next.
 */
export const ERROR_CODES = [
  'bad-request', // the arguments did not match the contract
  'unknown-request',
  'not-found', // a session, job, file or cache entry that does not exist
  'busy', // the port or board is in use by another job
  'cancelled',
  'device', // the board or the link failed (not answering, unplugged, wrong boot mode)
  'firmware', // an image is unfit, corrupt or unavailable
  'network',
  'io', // the local file system refused
  'internal', // a bug in Kiln; the message says so
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface KilnErrorInfo {
  code: ErrorCode;
  message: string;
  /** What the user can do about it, e.g. "Hold BOOT and press RESET, then try again." */
  hint?: string;
}

/** Thrown by services for failures a person should read; anything else becomes an 'internal' error. */
export class KilnError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'KilnError';
  }

  toInfo(): KilnErrorInfo {
    return this.hint === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, hint: this.hint };
  }
}

/** What a client gets when a request fails: the same shape on Electron IPC and on the WebSocket. */
export class KilnRequestError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  constructor(info: KilnErrorInfo) {
    super(info.message);
    this.name = 'KilnRequestError';
    this.code = info.code;
    if (info.hint !== undefined) this.hint = info.hint;
  }
}
