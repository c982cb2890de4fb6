import { describe, expect, it } from 'vitest';
import { UartNewlines } from '../../../../../electron/virtual-board/micropython/uart-newlines';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
const bytes = (value: string) => Buffer.from(value, 'latin1');

describe('UartNewlines', () => {
  it('turns a bare LF into CRLF and leaves CRLF alone', () => {
    const cooker = new UartNewlines();
    expect(text(cooker.cook(bytes('3\n>>> ')))).toBe('3\r\n>>> ');
    expect(text(cooker.cook(bytes('a\r\nb\n\n')))).toBe('a\r\nb\r\n\r\n');
  });

  it('remembers a CR that ended the previous chunk', () => {
    const cooker = new UartNewlines();
    expect(text(cooker.cook(bytes('x\r')))).toBe('x\r');
    expect(text(cooker.cook(bytes('\ny\n')))).toBe('\ny\r\n');
  });

  it('returns the same array when nothing changes and forgets state on reset', () => {
    const cooker = new UartNewlines();
    const input = bytes('no newline');
    expect(cooker.cook(input)).toBe(input);
    cooker.cook(bytes('\r'));
    cooker.reset();
    expect(text(cooker.cook(bytes('\n')))).toBe('\r\n');
  });
});
