/** Shared set-up for engine ↔ virtual board tests. */
import { createHash } from 'node:crypto';
import type { ChipFamily } from '../../../../shared/types/chips';
import { openSession, type EspSession, type SessionOptions } from '../../../../electron/esp/session';
import { createVirtualBoard, type VirtualBoard, type VirtualBoardOptions } from '../../../../electron/virtual-board';

export interface Rig {
  board: VirtualBoard;
  session: EspSession;
  warnings: string[];
}

const open: VirtualBoard[] = [];

/** A virtual board (instant link unless asked otherwise) and a session on it. */
export async function rig(chip: ChipFamily, sessionOptions: SessionOptions = {}, boardOptions: Partial<VirtualBoardOptions> = {}): Promise<Rig> {
  const board = await createVirtualBoard({ chip, linkModel: false, ...boardOptions });
  open.push(board);
  const warnings: string[] = [];
  const session = await openSession(board.connect(), {
    connectAttempts: 3,
    ...sessionOptions,
    onWarning: (w) => {
      warnings.push(w);
      sessionOptions.onWarning?.(w);
    },
  });
  return { board, session, warnings };
}

export async function closeBoards(): Promise<void> {
  for (const board of open.splice(0)) await board.close();
}

/** Deterministic, partly compressible test data. */
export function pattern(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = Math.imul(seed, 2654435761) >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = i % 64 < 40 ? (x >>> 24) & 0xff : i & 0xff;
  }
  return out;
}

export const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

export const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
