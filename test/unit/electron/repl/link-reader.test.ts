import { describe, expect, it } from 'vitest';
import { ReplTimeoutError } from '../../../../electron/repl/errors';
import { LinkReader } from '../../../../electron/repl/link-reader';
import type { Link } from '../../../../electron/serial/link';

/** A Link that hands out scripted chunks, one per read, then times out. */
function scriptedLink(chunks: string[]): Link {
  const queue = chunks.map((chunk) => Buffer.from(chunk, 'latin1'));
  return {
    path: 'scripted',
    baudRate: 115200,
    isOpen: true,
    write: async () => {},
    read: async () => new Uint8Array(queue.shift() ?? []),
    discardInput: () => {},
    setSignals: async () => {},
    setBaudRate: async () => {},
    close: async () => {},
    onClose: () => () => {},
  };
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

describe('LinkReader', () => {
  it('reads until a marker split across chunks and keeps what follows', async () => {
    const reader = new LinkReader(scriptedLink(['O', 'K3\r', '\n\x04', '\x04>']));
    expect(text(await reader.readExactly(2, 100, 'test'))).toBe('OK');
    expect(text(await reader.readUntil('\x04', 100, 'test'))).toBe('3\r\n');
    expect(text(await reader.readUntil('\x04', 100, 'test'))).toBe('');
    expect(reader.available).toBe(1); // the prompt came in the same chunk
    expect(await reader.poll(10)).toBe(0x3e);
    expect(await reader.poll(10)).toBeUndefined();
  });

  it('streams the bytes before the marker without cutting the marker', async () => {
    const seen: string[] = [];
    const reader = new LinkReader(scriptedLink(['hello wor', 'ld\r\nraw R', 'EPL;']));
    const before = await reader.readUntil('raw REPL;', 100, 'test', (bytes) => seen.push(text(bytes)));
    expect(text(before)).toBe('hello world\r\n');
    expect(seen.join('')).toBe('hello world\r\n');
  });

  it('fails with a readable timeout when the board stays silent', async () => {
    const reader = new LinkReader(scriptedLink(['partial']));
    const error = await reader.readUntil('>', 50, 'waiting for the prompt').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReplTimeoutError);
    expect((error as Error).message).toMatch(/^The board stopped answering while waiting for the prompt/);
  });

  it('drains until the line is quiet', async () => {
    const reader = new LinkReader(scriptedLink(['a', 'b', 'c']));
    expect(text(await reader.drain(10, 1000))).toBe('abc');
    expect(await reader.poll()).toBeUndefined();
  });
});
