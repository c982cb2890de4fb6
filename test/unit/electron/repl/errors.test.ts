import { describe, expect, it } from 'vitest';
import { parseTraceback, PythonError } from '../../../../electron/repl/errors';

const ENOENT_TRACEBACK = 'Traceback (most recent call last):\r\n  File "<stdin>", line 2, in <module>\r\nOSError: [Errno 2] ENOENT\r\n';

describe('parseTraceback', () => {
  it('splits the last line into type, message and errno', () => {
    expect(parseTraceback(ENOENT_TRACEBACK)).toEqual({ type: 'OSError', message: '[Errno 2] ENOENT', errno: 2 });
    expect(parseTraceback('Traceback (most recent call last):\nOSError: 28\n')).toEqual({ type: 'OSError', message: '28', errno: 28 });
    expect(parseTraceback('KeyboardInterrupt: \r\n')).toEqual({ type: 'KeyboardInterrupt', message: '', errno: undefined });
    expect(parseTraceback("NameError: name 'x' isn't defined")).toMatchObject({ type: 'NameError', message: "name 'x' isn't defined" });
  });
});

describe('PythonError', () => {
  it('says what failed in words and keeps the traceback', () => {
    const error = new PythonError(ENOENT_TRACEBACK, 'Could not read /x.txt from the board');
    expect(error.message).toBe('Could not read /x.txt from the board: no such file or folder (OSError: [Errno 2] ENOENT).');
    expect(error.traceback).toBe(ENOENT_TRACEBACK);
    expect(error.errno).toBe(2);
  });

  it('explains a full filesystem', () => {
    expect(new PythonError('OSError: 28\n', 'Could not write /big.bin on the board').message).toBe(
      "Could not write /big.bin on the board: the board's filesystem is full (OSError: 28).",
    );
  });

  it('describes other exceptions without context', () => {
    expect(new PythonError('ValueError: bad value\n').message).toBe('The code on the board raised ValueError: bad value.');
  });
});
