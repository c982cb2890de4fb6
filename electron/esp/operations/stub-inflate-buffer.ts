/**
 * Espressif's flasher stub inflates compressed writes into one static 32 KiB buffer and writes it
 * to flash when it is full or the stream ends. FLASH_DEFL_BEGIN resets the inflater but not that
 * buffer, so the bytes of a stream that never ended (the link dropped, a block came damaged, a
 * session was cancelled) stay there and are written first at the next stream's offset, shifting
 * everything after them. Before a compressed write on such a stub, Kiln empties the buffer.
 */
import { deflateSync } from 'node:zlib';
import { Op } from '../command';
import { CommandFailedError } from '../errors';
import type { EspSession } from '../session';
import { DEFAULT_TIMEOUT_MS } from '../timeouts';
import { SECTOR_SIZE } from './regions';

/** The stub's inflate output buffer, written to flash whenever it is full. */
export const STUB_INFLATE_BUFFER = 32 * 1024;
/** Enough of a stream's end for its last symbol, end-of-block code and Adler-32 to share one block. */
const STREAM_TAIL_BYTES = 16;

/**
 * The compressed block size to send an image in. When the image is a whole number of 32 KiB
 * buffers (a full-flash restore, say), the stub's last buffer is written as soon as it fills, and
 * if the stream's end (end-of-block code, Adler-32) has not arrived by then the stub reports "too
 * much data": that happens when the last block would hold only those final bytes. Then a block a
 * little smaller moves them into a block with data.
 */
export function stubDeflateBlockSize(imageBytes: number, compressedBytes: number, maxBlock: number): number {
  if (imageBytes % STUB_INFLATE_BUFFER !== 0) return maxBlock;
  for (let size = maxBlock; size > 4 * STREAM_TAIL_BYTES; size -= STREAM_TAIL_BYTES) {
    const last = compressedBytes % size;
    if (last === 0 || last >= STREAM_TAIL_BYTES) return size;
  }
  return maxBlock;
}

/**
 * A throwaway stream of at most one sector at `offset`, inside the write about to start there,
 * which erases and rewrites that sector anyway: whatever the buffer held is written into it and cut
 * at the announced size, and the buffer is empty afterwards. Its end may be answered with "too much
 * data" (the buffer filled before the stream's end), which is expected; any other failure stands.
 */
export async function emptyStubInflateBuffer(session: EspSession, offset: number, writeLength: number): Promise<void> {
  const size = Math.min(writeLength, SECTOR_SIZE - (offset % SECTOR_SIZE));
  const stream = new Uint8Array(deflateSync(new Uint8Array(size)));
  const { loader, chip } = session;
  const blockSize = chip.blockSizes.stubFlash;
  await loader.flashBegin(Op.FLASH_DEFL_BEGIN, { size, blocks: 1, blockSize, offset, encryptWord: false }, DEFAULT_TIMEOUT_MS);
  // A block refused (damaged on the way) was not inflated: that error stands, and the buffer stays marked.
  await loader.flashData(Op.FLASH_DEFL_DATA, stream, 0, DEFAULT_TIMEOUT_MS);
  try {
    await loader.flashEnd(Op.FLASH_DEFL_END, false);
  } catch (error) {
    if (!(error instanceof CommandFailedError)) throw error;
  }
  session.stubInflateBufferDirty = false;
}
