/**
 * The fastest Espressif's (legacy, esptool 4.x) flasher stub can take a compressed write, whatever
 * the host does: its schedule replayed with no CPU time and no adapter latency, from the same facts
 * the virtual stub follows (loaders/README.md):
 *
 * - the host may have one block on the wire while the stub handles the one before (two receive
 *   buffers; the answer goes out when handling starts), so block k+1 arrives w(k+1) after block k
 *   is answered, and is handled once it has arrived and block k is done;
 * - at each block's start, and again after a buffer write when more of the block remains, the stub
 *   starts the next erase if the chip is idle (64 KiB where aligned and a whole block remains, else
 *   4 KiB), and does not wait for it;
 * - inflated data is written per 32 KiB buffer (and at the stream's end): the write first waits
 *   for the erases it needs, then for the chip, then programs (the CPU waits).
 *
 * Flash work is front-loaded (an erase starts at nearly every block while any remain), so at high
 * baud the first part of a write is bound by the chip even when the whole write is bound by the
 * wire: this floor is above max(wire, flash). Kiln ÷ floor says how much of the rest is the host's.
 */
import { constants, Inflate } from 'pako';
import { slipEncode } from '../electron/esp/slip';
import type { FlashTimes } from '../electron/virtual-board/hardware/flash-timing';

const SECTOR = 4096;
const SECTORS_PER_BLOCK = 16;
const BUFFER = 32 * 1024;
const PAGE = 256;
/** Command header (8) and data header (16) of a FLASH_DEFL_DATA frame. */
const FRAME_HEADER = 24;

/** Image bytes each compressed block of `blockSize` inflates to (what the stub has after handling it). */
export function inflatedPerBlock(stream: Uint8Array, blockSize: number): number[] {
  const inflated: number[] = [];
  let produced = 0;
  const inflate = new Inflate();
  inflate.onData = (chunk) => (produced += (chunk as Uint8Array).length);
  for (let at = 0; at < stream.length; at += blockSize) {
    const before = produced;
    inflate.push(stream.subarray(at, at + blockSize), constants.Z_SYNC_FLUSH);
    inflated.push(produced - before);
  }
  return inflated;
}

export interface StubFloorInput {
  offset: number;
  imageBytes: number;
  stream: Uint8Array;
  blockSize: number;
  baud: number;
  times: FlashTimes;
}

/** The legacy stub's shortest time for the write, in seconds (from the first block sent to the last write done). */
export function legacyStubFloorSeconds(input: StubFloorInput): number {
  const { offset, imageBytes, stream, blockSize, baud, times } = input;
  const inflated = inflatedPerBlock(stream, blockSize);
  const wireMs = (k: number): number => {
    const frame = new Uint8Array(FRAME_HEADER + Math.min(blockSize, stream.length - k * blockSize));
    frame.set(stream.subarray(k * blockSize, (k + 1) * blockSize), FRAME_HEADER);
    return (slipEncode(frame).length * 10 * 1000) / baud;
  };

  let nextEraseSector = Math.floor(offset / SECTOR);
  let erasesLeft = Math.ceil(((offset % SECTOR) + imageBytes) / SECTOR);
  let nextWrite = offset;
  let busyUntil = 0;
  let buffered = 0;
  let cursor = 0;
  const startErase = (): void => {
    if (erasesLeft === 0 || cursor < busyUntil) return;
    const block = erasesLeft >= SECTORS_PER_BLOCK && nextEraseSector % SECTORS_PER_BLOCK === 0;
    const count = block ? SECTORS_PER_BLOCK : 1;
    busyUntil = cursor + (block ? times.block64EraseMs : times.sectorEraseMs);
    erasesLeft -= count;
    nextEraseSector += count;
  };
  const write = (bytes: number): void => {
    const lastSector = Math.floor((nextWrite + bytes) / SECTOR);
    while (erasesLeft > 0 && nextEraseSector <= lastSector) {
      cursor = Math.max(cursor, busyUntil);
      startErase();
    }
    cursor = Math.max(cursor, busyUntil) + (bytes / PAGE) * times.pageProgramMs;
    busyUntil = cursor;
    nextWrite += bytes;
  };

  let arrived = wireMs(0);
  let done = 0;
  for (let k = 0; k < inflated.length; k++) {
    cursor = Math.max(arrived, done); // handling starts (and the answer goes out)
    if (k + 1 < inflated.length) arrived = cursor + wireMs(k + 1);
    startErase();
    buffered += inflated[k]!;
    while (buffered >= BUFFER) {
      write(BUFFER);
      buffered -= BUFFER;
      // More of this block to inflate after a write: the stub's inflate loop starts an erase first.
      if (buffered > 0) startErase();
    }
    if (k === inflated.length - 1 && buffered > 0) write(buffered);
    done = cursor;
  }
  return done / 1000;
}

/** Block sizes the host may choose (1 to 16 KiB, the stub's largest, in 1 KiB steps). */
export const HOST_BLOCK_SIZES = Array.from({ length: 16 }, (_, i) => (i + 1) * 1024);

/**
 * The lowest floor over every constant block size a host may choose: whether any block size
 * (not only Kiln's 16 KiB) would let a host beat the floor at this baud.
 */
export function bestBlockSizeFloor(input: Omit<StubFloorInput, 'blockSize'>): { blockSize: number; seconds: number } {
  let best = { blockSize: 0, seconds: Infinity };
  for (const blockSize of HOST_BLOCK_SIZES) {
    const seconds = legacyStubFloorSeconds({ ...input, blockSize });
    if (seconds < best.seconds) best = { blockSize, seconds };
  }
  return best;
}
