import { describe, expect, it } from 'vitest';
import { pythonString } from '../../../../electron/repl/python-literal';

describe('pythonString', () => {
  it('quotes plain text and escapes quotes and backslashes', () => {
    expect(pythonString('/main.py')).toBe("'/main.py'");
    expect(pythonString("it's a\\b")).toBe("'it\\'s a\\\\b'");
  });

  it('escapes control characters and everything outside ASCII', () => {
    expect(pythonString('a\nb\x01')).toBe("'a\\x0ab\\x01'");
    expect(pythonString('grüße')).toBe("'gr\\xfc\\xdfe'");
    expect(pythonString('€')).toBe("'\\u20ac'");
    expect(pythonString('😀')).toBe("'\\U0001f600'");
  });

  it('never contains a raw REPL control byte', () => {
    const literal = pythonString(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i)));
    for (const code of [1, 2, 3, 4, 5]) expect(literal).not.toContain(String.fromCharCode(code));
  });
});
