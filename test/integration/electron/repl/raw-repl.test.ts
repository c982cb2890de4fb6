import { afterEach, describe, expect, it } from 'vitest';
import { PythonError } from '../../../../electron/repl/errors';
import { RawRepl } from '../../../../electron/repl/raw-repl';
import { decodeFsImage } from '../../../../electron/virtual-board/micropython/fs-image';
import { RuntimeLink, type RuntimeLinkOptions } from './runtime-link';

const links: RuntimeLink[] = [];
async function open(options: RuntimeLinkOptions = {}): Promise<{ link: RuntimeLink; repl: RawRepl }> {
  const link = await RuntimeLink.open(options);
  links.push(link);
  return { link, repl: new RawRepl(link) };
}

afterEach(async () => {
  await Promise.all(links.splice(0).map((link) => link.close()));
});

/** Every byte value, several times over, so the upload crosses many chunks and executions. */
function binaryPayload(length: number): Uint8Array {
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
  return data;
}

describe('RawRepl against the MicroPython runtime', () => {
  it('enters the raw REPL, runs code and returns stdout and stderr', async () => {
    const { repl } = await open();
    await repl.enter();
    expect(repl.inRawMode).toBe(true);
    expect(await repl.exec('print(1+2)')).toEqual({ stdout: '3\r\n', stderr: '' });
    expect(repl.supportsRawPaste).toBe(true);
    const failed = await repl.exec('print("partial")\nraise ValueError("nope")');
    expect(failed.stdout).toBe('partial\r\n');
    expect(failed.stderr).toContain('ValueError: nope');
  });

  it('uploads a binary file, reads it back and lists it', async () => {
    const { link, repl } = await open();
    const data = binaryPayload(5000);
    const progress: number[] = [];
    await repl.writeFile('/upload.bin', data, { onProgress: (written) => progress.push(written) });
    expect(progress[progress.length - 1]).toBe(5000);
    expect(progress.length).toBeGreaterThan(2);

    expect(await repl.readFile('/upload.bin')).toEqual(data);
    const listing = await repl.listDir('/');
    expect(listing).toContainEqual({ name: 'upload.bin', path: '/upload.bin', kind: 'file', size: 5000 });

    // It reached the board's flash, not only the interpreter's memory.
    const stored = decodeFsImage(link.storage.read());
    expect(stored.status).toBe('ok');
    if (stored.status === 'ok') {
      const file = stored.entries.find((entry) => entry.path === 'upload.bin');
      expect(file?.kind === 'file' ? file.data : undefined).toEqual(data);
    }
  });

  it('handles folders, UTF-8 names and removal', async () => {
    const { repl } = await open();
    await repl.mkdir('/lib');
    await repl.mkdir('/lib', { existOk: true });
    await repl.writeFile('/lib/grüße.py', new TextEncoder().encode("print('hallo')\n"));
    expect(await repl.listDir('/')).toEqual([{ name: 'lib', path: '/lib', kind: 'dir', size: 0 }]);
    expect(await repl.listDir('/lib')).toEqual([{ name: 'grüße.py', path: '/lib/grüße.py', kind: 'file', size: 15 }]);
    await repl.remove('/lib/grüße.py');
    await repl.remove('/lib');
    expect(await repl.listDir('/')).toEqual([]);
  });

  it('turns a Python error into a readable PythonError with the traceback', async () => {
    const { repl } = await open();
    const error = await repl.readFile('/missing.txt').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PythonError);
    const pythonError = error as PythonError;
    expect(pythonError.errno).toBe(2);
    expect(pythonError.message).toBe('Could not read /missing.txt from the board: no such file or folder (OSError: [Errno 2] ENOENT).');
    expect(pythonError.traceback).toContain('Traceback (most recent call last):');
  });

  it('falls back to the classic raw REPL in 256-byte chunks when raw-paste is refused', async () => {
    const { link, repl } = await open({ refuseRawPaste: true });
    const data = binaryPayload(3000);
    await repl.writeFile('/classic.bin', data);
    expect(repl.supportsRawPaste).toBe(false);
    expect(await repl.readFile('/classic.bin')).toEqual(data);
    // Every chunk of code was ended by Ctrl-D with no raw-paste request after the first.
    const requests = link.sent.filter((byte, i) => byte === 0x05 && link.sent[i + 1] === 0x41).length;
    expect(requests).toBe(1);
  });

  it('soft-resets from the raw REPL and keeps the files', async () => {
    const { repl } = await open();
    await repl.writeFile('/keep.txt', new TextEncoder().encode('kept'));
    await repl.exec('marker = 1');
    await repl.softReset();
    expect(repl.inRawMode).toBe(true);
    const after = await repl.exec('print(open("keep.txt").read())\nprint(marker)');
    expect(after.stdout).toBe('kept\r\n');
    expect(after.stderr).toContain("NameError: name 'marker' isn't defined");
  });

  it('gets into the raw REPL even while a runaway loop ignores Ctrl-C', async () => {
    const { link, repl } = await open({ interruptGraceMs: 500 });
    await link.write(new TextEncoder().encode('while True: pass\r\r'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await repl.enter();
    expect((await repl.exec('print("back")')).stdout).toBe('back\r\n');
  });

  it('leaves the raw REPL for the friendly prompt', async () => {
    const { link, repl } = await open();
    await repl.enter();
    await repl.exit();
    expect(repl.inRawMode).toBe(false);
    await link.write(new TextEncoder().encode('6*7\r'));
    let answer = '';
    const deadline = Date.now() + 5000;
    while (!answer.endsWith('>>> ') && Date.now() < deadline) answer += new TextDecoder().decode(await link.read(500));
    expect(answer).toBe('6*7\r\n42\r\n>>> ');
  });
});

describe('the friendly prompt of the virtual board', () => {
  const answer = async (link: RuntimeLink, text: string, until: string): Promise<string> => {
    await link.write(new TextEncoder().encode(text));
    let seen = '';
    const deadline = Date.now() + 5000;
    while (!seen.endsWith(until) && Date.now() < deadline) seen += new TextDecoder().decode(await link.read(500));
    return seen;
  };

  it('answers Enter on an empty line with a new prompt, as a board does, and still ends blocks with one', async () => {
    const { link } = await open();
    await answer(link, '', '>>> ');
    expect(await answer(link, '\r', '>>> ')).toBe('\r\n>>> ');
    expect(await answer(link, '\x03\r', '>>> \r\n>>> ')).toBe('\r\n>>> \r\n>>> ');
    const block = await answer(link, 'for i in range(2):\r', '... ');
    expect(block).toContain('... ');
    expect(await answer(link, 'print(i)\r', '... ')).toContain('print(i)');
    // Rub out the auto-indent, then Enter on the empty continuation line runs the block.
    expect(await answer(link, '\x7f\x7f\x7f\x7f\r', '>>> ')).toMatch(/0\r\n1\r\n>>> $/);
  });
});
