/**
 * One soak session: a fresh virtual board (in process, or behind a pty and the real serialport
 * link), a Kiln session on it, a fault injected during the write, then the flash read back
 * straight from the board to judge what the write reported.
 */
import { createHash } from 'node:crypto';
import type { ChipFamily } from '../../shared/types/chips';
import { EspError } from '../../electron/esp/errors';
import { writeFlash } from '../../electron/esp/operations';
import { openSession } from '../../electron/esp/session';
import { LinkClosedError, type Link } from '../../electron/serial/link';
import { SerialPortLink } from '../../electron/serial/serialport-link';
import { createVirtualBoardImpl, type FaultOptions } from '../../electron/virtual-board';
import { mulberry32 } from '../../electron/virtual-board/wire/faults';
import { exposeOnPty, type PtyBridge } from '../../electron/virtual-board/access/pty-bridge';

export type FaultKind = 'none' | 'drop' | 'corrupt' | 'drop-rate' | 'corrupt-rate' | 'stall' | 'unplug';
export const FAULT_KINDS: readonly FaultKind[] = ['none', 'drop', 'corrupt', 'drop-rate', 'corrupt-rate', 'stall', 'unplug'];

export interface SessionPlan {
  seed: number;
  chip: ChipFamily;
  useStub: boolean;
  overPty: boolean;
  fault: FaultKind;
  imageBytes: number;
  baud: number;
}

export type Outcome = 'clean' | 'clear-error' | 'silent-corruption' | 'unverified' | 'hang' | 'unclear-error';

export interface SessionResult {
  plan: SessionPlan;
  outcome: Outcome;
  /** The error's message, or what differed. */
  detail: string;
  /** An unverified write that was also wrong (the reason "unverified" is said). */
  unverifiedMismatch: boolean;
}

const OFFSET = 0x40000;

/** The plan for session `index`, from a seeded PRNG: the same seed gives the same soak. */
export function planSession(index: number, seed: number, ptyEvery: number): SessionPlan {
  const random = mulberry32(seed * 7919 + index);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  return {
    seed: Math.floor(random() * 2 ** 31),
    chip: pick(['esp8266', 'esp32'] as const),
    useStub: random() < 0.5,
    overPty: ptyEvery > 0 && index % ptyEvery === ptyEvery - 1,
    fault: pick(FAULT_KINDS),
    imageBytes: 8 * 1024 + Math.floor(random() * 24 * 1024),
    baud: pick([460800, 921600]),
  };
}

/** Where the fault lands: somewhere in the write, counted from the moment it is set (after connect). */
function faultFor(plan: SessionPlan, random: () => number): FaultOptions | undefined {
  const at = Math.floor(random() * plan.imageBytes * 0.9);
  switch (plan.fault) {
    case 'none':
      return undefined;
    case 'drop':
      return { seed: plan.seed, dropAtByte: at };
    case 'corrupt':
      return { seed: plan.seed, corruptAtByte: at };
    case 'drop-rate':
      return { seed: plan.seed, dropRate: 1e-4 };
    case 'corrupt-rate':
      return { seed: plan.seed, corruptRate: 1e-4 };
    case 'stall':
      return { seed: plan.seed, stall: { atByte: at, ms: 200 + Math.floor(random() * 4800) } };
    case 'unplug':
      return { seed: plan.seed, unplugAtByte: at };
  }
}

function pattern(length: number, seed: number): Uint8Array {
  const random = mulberry32(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = i % 64 < 40 ? Math.floor(random() * 256) : i & 0xff;
  return out;
}

const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

/** A Kiln error: one of the engine's own, with a message written for a person (no stack, not empty). */
function isClearError(error: unknown): error is Error {
  if (!(error instanceof EspError) && !(error instanceof LinkClosedError)) return false;
  return error.message.length > 10 && !/\n\s+at /.test(error.message);
}

export async function runSession(plan: SessionPlan, deadlineMs: number, flashTiming: number): Promise<SessionResult> {
  const random = mulberry32(plan.seed);
  const data = pattern(plan.imageBytes, plan.seed);
  const board = await createVirtualBoardImpl({
    chip: plan.chip,
    flashSize: 1024 * 1024,
    linkModel: { latencyMs: 1 },
    flashTiming,
    bootMode: plan.overPty ? 'download' : 'run',
    modemLines: !plan.overPty,
  });
  let bridge: PtyBridge | null = null;
  let link: Link | null = null;
  let timer: NodeJS.Timeout | undefined;
  const work = (async (): Promise<Omit<SessionResult, 'plan'>> => {
    try {
      if (plan.overPty) {
        bridge = await exposeOnPty(board);
        link = await SerialPortLink.open(bridge.hostPath, 115200);
      } else {
        link = board.connect();
      }
      const session = await openSession(link, { useStub: plan.useStub, baudRate: plan.baud, before: plan.overPty ? 'no-reset' : 'default-reset', connectAttempts: 3 });
      board.setFaults(faultFor(plan, random));
      const result = await writeFlash(session, [{ offset: OFFSET, data }], {});
      const region = result.regions[0]!;
      const onFlash = board.readFlash(OFFSET, data.length);
      const matches = md5(onFlash) === md5(data);
      if (region.verification === 'verified' || region.verification === 'skipped') {
        return matches ? { outcome: 'clean', detail: '', unverifiedMismatch: false } : { outcome: 'silent-corruption', detail: `reported ${region.verification}, flash differs`, unverifiedMismatch: false };
      }
      return { outcome: 'unverified', detail: '', unverifiedMismatch: !matches };
    } catch (error) {
      if (isClearError(error)) return { outcome: 'clear-error', detail: error.message, unverifiedMismatch: false };
      return { outcome: 'unclear-error', detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error), unverifiedMismatch: false };
    }
  })();
  const hang = new Promise<Omit<SessionResult, 'plan'>>((resolve) => {
    timer = setTimeout(() => resolve({ outcome: 'hang', detail: `no outcome within ${deadlineMs / 1000} s`, unverifiedMismatch: false }), deadlineMs);
  });
  const outcome = await Promise.race([work, hang]);
  clearTimeout(timer);
  await (link as Link | null)?.close().catch(() => undefined);
  await (bridge as PtyBridge | null)?.close().catch(() => undefined);
  await board.close();
  return { plan, ...outcome };
}
