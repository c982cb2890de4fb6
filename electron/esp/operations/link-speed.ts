/**
 * Running at the fastest baud the link really sustains: auto baud tries the fastest rates the
 * adapter allows and keeps the first that passes a short check; a link that starts damaging data
 * later steps down one rate (see write-flash.ts, which then resumes where the board acknowledged).
 *
 * Changing rate over a bad link is itself unreliable: the request or its reply may be damaged.
 * So every change is confirmed by the board answering at the new rate, and undone if it does not.
 */
import { CommandFailedError, CommandTimeoutError, EspError, UnsupportedCommandError, throwIfAborted } from '../errors';
import { isDamagedBlockError } from '../loader';
import { reportStage, type OperationContext } from '../progress';
import { sleep } from '../reset';
import type { Link } from '../../serial/link';
import type { ChipDefinition } from '../chips';
import type { EspLoader } from '../loader';
import type { SlipChannel } from '../slip-channel';
import { BAUD_SWITCH_SETTLE_MS } from '../timeouts';
import { autoBaudCandidates, lowerBaud } from '../baud-rates';

/** Read as the echo: the chip-detect register, present at this address on every supported chip. */
const ECHO_REGISTER = 0x40001000;
const ECHO_READS = 4;
/** The check hashes these slices of flash from address 0 at the new rate and compares with the old rate's. */
const CHECK_SLICES = 8;
const CHECK_SLICE_BYTES = 0x2000;
/** An answer at the new rate comes within milliseconds; a damaged one never comes. */
const PROBE_TIMEOUT_MS = 300;
const CHANGE_ATTEMPTS = 4;

/** What changing rate needs: an EspSession, or the parts of one while it is being set up. */
export interface SpeedTarget {
  readonly link: Link;
  readonly loader: EspLoader;
  readonly channel: SlipChannel;
  readonly chip: ChipDefinition;
  readonly usingStub: boolean;
}

/**
 * The stub's "inflate failed", "less data" and "more data" codes: the stream was valid when sent,
 * so a damaged or lost block got past the checksum. Writing again from an earlier point fixes it.
 */
const DAMAGED_STREAM_ERRORS: ReadonlySet<number> = new Set([0xc7, 0xc8, 0xc9]);

/** True for errors that mean "the bytes did not get through intact", as opposed to a refusal. */
export function isLinkTrouble(error: unknown): boolean {
  if (error instanceof CommandTimeoutError || error instanceof UnsupportedCommandError) return true;
  if (error instanceof CommandFailedError) return isDamagedBlockError(error.errorCode) || DAMAGED_STREAM_ERRORS.has(error.errorCode);
  return error instanceof EspError && (error.code === 'timeout' || error.code === 'bad-response' || error.code === 'link-check');
}

export function canChangeBaud(session: SpeedTarget): boolean {
  return session.usingStub || session.chip.rom.changeBaud;
}

/** Whether the board answers a register read at the link's current rate. */
async function answers(session: SpeedTarget): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await session.loader.readReg(ECHO_REGISTER, PROBE_TIMEOUT_MS);
      return true;
    } catch (error) {
      if (!isLinkTrouble(error)) throw error;
    }
  }
  return false;
}

async function settle(session: SpeedTarget): Promise<void> {
  await sleep(BAUD_SWITCH_SETTLE_MS);
  session.channel.flushInput();
}

/**
 * Moves board and link to `baud`, confirmed by an answer at the new rate. A damaged request
 * (board still at the old rate) or a damaged reply (board already at the new one) are both
 * recognised and retried. Throws when the board answers at neither rate.
 */
export async function moveToBaud(session: SpeedTarget, baud: number): Promise<void> {
  const { link, loader } = session;
  const from = link.baudRate;
  if (from === baud) return;
  for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
    try {
      await loader.changeBaud(baud, from);
    } catch (error) {
      // The board may have switched and only the reply was lost: the probe below finds out.
      if (!isLinkTrouble(error)) throw error;
    }
    await link.setBaudRate(baud);
    await settle(session);
    if (await answers(session)) return;
    // No answer at the new rate: the request was probably damaged and the board is still at the old one.
    await link.setBaudRate(from);
    await settle(session);
  }
  throw new EspError(
    'timeout',
    `The board stopped answering while Kiln changed the baud rate from ${from} to ${baud}. ` +
      'Unplug and replug the board, then connect again with a lower baud rate.',
  );
}

/**
 * The short check a rate must pass: register reads that agree, then MD5s of eight 8 KiB slices of
 * the first 64 KiB of flash equal to those taken at the previous rate. Each hash request carries
 * its own offset and length, so a damaged request hashes the wrong bytes and shows up, and each
 * reply carries 16 bytes of digest the other way.
 */
async function checkLink(session: SpeedTarget, reference: string[] | null): Promise<void> {
  const { loader } = session;
  let first: number | null = null;
  for (let i = 0; i < ECHO_READS; i++) {
    const value = await loader.readReg(ECHO_REGISTER, PROBE_TIMEOUT_MS);
    if (first !== null && value !== first) throw new EspError('link-check', 'register reads disagreed');
    first = value;
  }
  if (!reference) return;
  for (const [i, expected] of reference.entries()) {
    if ((await loader.flashMd5(i * CHECK_SLICE_BYTES, CHECK_SLICE_BYTES)) !== expected) throw new EspError('link-check', 'a flash hash came back different');
  }
}

/** The check's reference hashes, taken at the rate known to work; null where the loader cannot hash. */
async function referenceHashes(session: SpeedTarget): Promise<string[] | null> {
  if (!session.usingStub && !session.chip.rom.md5) return null;
  try {
    const out: string[] = [];
    for (let i = 0; i < CHECK_SLICES; i++) out.push(await session.loader.flashMd5(i * CHECK_SLICE_BYTES, CHECK_SLICE_BYTES));
    return out;
  } catch (error) {
    if (error instanceof CommandFailedError) return null; // no flash answering: register reads must do
    throw error;
  }
}

export interface BaudChoice {
  baud: number;
  /** One line per rate tried, and why it was kept or left. */
  notes: string[];
}

/**
 * Tries the fastest rates the adapter allows (at most `maxBaud`), fastest first, and stays at the
 * first that passes the check; failing all, stays where it is (115200 after connecting).
 */
export async function selectFastestBaud(session: SpeedTarget, maxBaud: number, context: OperationContext = {}): Promise<BaudChoice> {
  const start = session.link.baudRate;
  const notes: string[] = [];
  if (!canChangeBaud(session)) {
    notes.push(`${start} baud: the ${session.chip.name} ROM loader cannot change its rate.`);
    return { baud: start, notes };
  }
  const reference = await referenceHashes(session);
  for (const baud of autoBaudCandidates(maxBaud)) {
    if (baud <= start) break;
    throwIfAborted(context.signal);
    reportStage(context.onProgress, 'changing-baud', `Trying ${baud} baud`);
    try {
      await moveToBaud(session, baud);
      try {
        await checkLink(session, reference);
      } catch (error) {
        // At the new rate any failure is the link's: the same requests succeeded at the old one.
        if (!(error instanceof EspError)) throw error;
        throw error.code === 'link-check' ? error : new EspError('link-check', 'damaged or missing replies', { cause: error });
      }
      notes.push(`${baud} baud: the fastest rate that passed the link check${baud === maxBaud ? ' (the adapter allows no more)' : ''}.`);
      return { baud, notes };
    } catch (error) {
      if (!isLinkTrouble(error)) throw error;
      notes.push(`${baud} baud: failed the link check (${error instanceof EspError && error.code === 'link-check' ? error.message : 'no answer at this rate'}).`);
      if (session.link.baudRate !== start) await moveToBaud(session, start);
    }
  }
  notes.push(`${start} baud: no faster rate passed the link check.`);
  return { baud: start, notes };
}

/** One standard rate down (for a link damaging data mid-transfer); null when already at the floor. */
export async function stepDownBaud(session: SpeedTarget): Promise<{ from: number; to: number } | null> {
  if (!canChangeBaud(session)) return null;
  const from = session.link.baudRate;
  const to = lowerBaud(from);
  if (to === null) return null;
  await moveToBaud(session, to);
  return { from, to };
}
