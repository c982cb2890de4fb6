/**
 * Errors the engine raises. Every message is written for the person at the board: what happened
 * and what to do next. Callers show `message` as is; no stack traces reach a user.
 */
import { describeErrorCode, opName } from './command';

/** Base class: anything the engine throws on purpose. `code` is stable for programs to match on. */
export class EspError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EspError';
  }
}

/** The board answered a command with a failure status. */
export class CommandFailedError extends EspError {
  constructor(
    readonly op: number,
    readonly description: string,
    readonly errorCode: number,
  ) {
    super('command-failed', `Failed to ${description}: ${describeErrorCode(errorCode)} (error 0x${errorCode.toString(16).padStart(2, '0')}).`);
    this.name = 'CommandFailedError';
  }
}

/** The loader (ROM or stub) does not know this command. */
export class UnsupportedCommandError extends EspError {
  constructor(readonly op: number) {
    super('unsupported-command', `The board's loader does not support ${opName(op)}.`);
    this.name = 'UnsupportedCommandError';
  }
}

/** No (matching) answer within the command's time limit. */
export class CommandTimeoutError extends EspError {
  constructor(
    readonly op: number | null,
    readonly description: string,
    readonly timeoutMs: number,
  ) {
    super(
      'timeout',
      `The board did not answer in time (${description}, waited ${(timeoutMs / 1000).toFixed(1)} s). ` +
        'Check the USB cable and try a lower baud rate.',
    );
    this.name = 'CommandTimeoutError';
  }
}

/** Raised when the caller's AbortSignal fired; the link is left usable. */
export class OperationAbortedError extends EspError {
  constructor() {
    super('aborted', 'Cancelled.');
    this.name = 'OperationAbortedError';
  }
}

/** What was asked needs the flasher stub, and this session runs on the ROM loader only. */
export class NeedsStubError extends EspError {
  constructor(what: string, chipName: string) {
    super(
      'needs-stub',
      `${what} needs Kiln's flasher stub; the ${chipName} ROM loader cannot do it. Connect again without "no stub".`,
    );
    this.name = 'NeedsStubError';
  }
}

/** Refused before anything was sent: unaligned, overlapping or oversized regions, bad arguments. */
export class InvalidRequestError extends EspError {
  constructor(message: string) {
    super('invalid-request', message);
    this.name = 'InvalidRequestError';
  }
}

/** Data read back (or hashed by the board) does not match what was written. */
export class VerifyFailedError extends EspError {
  constructor(message: string) {
    super('verify-failed', message);
    this.name = 'VerifyFailedError';
  }
}

/** Connecting to the ROM loader failed every attempt; the message says why and what to try. */
export class ConnectError extends EspError {
  constructor(
    readonly reason: 'wrong-boot-mode' | 'no-sync-reply' | 'no-data' | 'garbage',
    message: string,
  ) {
    super('connect-failed', message);
    this.name = 'ConnectError';
  }
}

/** The chip answered but is not one Kiln knows. */
export class UnknownChipError extends EspError {
  constructor(detail: string) {
    super('unknown-chip', `This chip is not one Kiln supports (${detail}). Kiln flashes ESP8266, ESP32, ESP32-C3, ESP32-S2 and ESP32-S3.`);
    this.name = 'UnknownChipError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new OperationAbortedError();
}
