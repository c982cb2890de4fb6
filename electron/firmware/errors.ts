/**
 * Failures of the firmware service. They are KilnErrors (so the router passes code, message and
 * hint to the UI unchanged) with a finer `failure` the UI and tests can branch on.
 */
import { KilnError, type ErrorCode } from '../../shared/types/errors';
import type { FirmwareFailure } from '../../shared/types/firmware';

const CONTRACT_CODES: Record<FirmwareFailure, ErrorCode> = {
  'unknown-entry': 'not-found',
  'not-downloaded': 'not-found',
  'http-status': 'network',
  network: 'network',
  'not-firmware': 'firmware',
  'too-small': 'firmware',
  'hash-mismatch': 'firmware',
  'cache-corrupt': 'firmware',
  'local-file': 'io',
  'too-large': 'firmware',
  aborted: 'cancelled',
};

export class FirmwareError extends KilnError {
  readonly failure: FirmwareFailure;
  constructor(failure: FirmwareFailure, message: string, hint?: string) {
    super(CONTRACT_CODES[failure], message, hint);
    this.name = 'FirmwareError';
    this.failure = failure;
  }
}

export function isAbortError(error: unknown): boolean {
  return (
    (error instanceof FirmwareError && error.failure === 'aborted') ||
    (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))
  );
}

export function abortedError(what: string): FirmwareError {
  return new FirmwareError('aborted', `${what} was cancelled.`);
}
