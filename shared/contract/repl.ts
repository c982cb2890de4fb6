import { z } from 'zod';
import type { JobSummary } from '../types/jobs';
import { TERMINAL_BAUD_RATES, type BoardFileListing, type ReplOutput, type ReplSessionInfo } from '../types/repl';
import { event, request } from './define';
import { portPath } from './device';
import { localFilePath } from './firmware';

/** The REPL terminal and the board's files (see shared/types/repl.ts). */

export const replSessionId = z.string().regex(/^repl-[0-9a-f-]{36}$/, 'is not a terminal session id');

/** An absolute path on the board: no control characters, no "." or ".." parts. */
export const boardPath = z
  .string()
  .min(1)
  .max(255)
  .refine((path) => path.startsWith('/'), { message: 'must start with /' })
  .refine((path) => ![...path].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f), { message: 'contains control characters' })
  .refine((path) => !path.split('/').some((part) => part === '.' || part === '..'), { message: 'must not contain . or .. parts' });

const terminalBaud = z
  .number()
  .int()
  .refine((value) => (TERMINAL_BAUD_RATES as readonly number[]).includes(value), { message: `must be one of ${TERMINAL_BAUD_RATES.join(', ')}` });

/** Keystrokes and pastes, base64: at most 48 KB of bytes per request. */
const terminalBytes = z
  .string()
  .max(65536)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'is not base64');

const withSession = <T extends z.ZodRawShape>(shape: T) => z.object({ sessionId: replSessionId, ...shape }).strict();

export const replRequests = {
  /** Opens the terminal on a port (or returns the one open there). takeOver closes a flashing session on that port. */
  'repl.open': request(z.object({ port: portPath, baud: terminalBaud.optional(), takeOver: z.boolean().optional() }).strict()).returns<ReplSessionInfo>(),
  'repl.close': request(withSession({})).returns<null>(),
  'repl.list': request(z.object({}).strict()).returns<ReplSessionInfo[]>(),
  'repl.write': request(withSession({ data: terminalBytes })).returns<null>(),
  'repl.setBaud': request(withSession({ baud: terminalBaud })).returns<null>(),
  /** hard: an RTS pulse on EN (not on a pty); soft: Ctrl-C then Ctrl-D. */
  'repl.reset': request(withSession({ kind: z.enum(['hard', 'soft']) })).returns<null>(),
  'files.list': request(withSession({ path: boardPath })).returns<BoardFileListing>(),
  /** Starts an upload job: files and folders (recursively) into a board folder, each file verified. */
  'files.upload': request(withSession({ sources: z.array(localFilePath).min(1).max(64), folder: boardPath })).returns<JobSummary>(),
  /** Starts a download job: a board file or folder to a local path (chosen in a dialog). */
  'files.download': request(withSession({ path: boardPath, target: localFilePath })).returns<JobSummary>(),
  /**
   * Starts an upload job for one file the renderer holds (a file input, a drop: the browser has no
   * paths to name), base64, at most 256 KB; bigger files go by path (files.upload) or kiln fs cp.
   */
  'files.put': request(withSession({ path: boardPath, data: z.string().max(350_000).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'is not base64') })).returns<JobSummary>(),
  /** A board file of at most 256 KB as base64, for the renderer to save through the browser. */
  'files.get': request(withSession({ path: boardPath })).returns<{ path: string; data: string }>(),
  /** Deletes a file, or a folder with everything in it. */
  'files.remove': request(withSession({ path: boardPath })).returns<null>(),
  'files.rename': request(withSession({ from: boardPath, to: boardPath })).returns<null>(),
  'files.mkdir': request(withSession({ path: boardPath })).returns<null>(),
  /** Runs a board file at the prompt; its output appears in the terminal. */
  'files.run': request(withSession({ path: boardPath })).returns<null>(),
  /** For the editor: a text file (main.py, boot.py); exists false when it is not there yet. */
  'files.readText': request(withSession({ path: boardPath })).returns<{ path: string; text: string; exists: boolean }>(),
  'files.writeText': request(withSession({ path: boardPath, text: z.string().max(256 * 1024) })).returns<{ bytes: number; verified: 'sha256' | 'size' }>(),
};

export const replEvents = {
  /** Console bytes of a session, batched (at most about 30 times a second). */
  'repl.output': event<ReplOutput>(),
  /** The full list of terminal sessions, on every state change. */
  'repl.sessions': event<ReplSessionInfo[]>(),
};
