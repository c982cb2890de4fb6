import { describe, expect, it } from 'vitest';
import {
  fileDigestCode,
  parseFileDigestOutput,
  parseFsUsageOutput,
  partPath,
  renameCode,
  replaceCode,
  joinBoardPath,
  listDirCode,
  parseListDirOutput,
  parseReadFileOutput,
  WRITE_LINE_BYTES,
  writeChunkCode,
} from '../../../../electron/repl/file-commands';

describe('file commands', () => {
  it('writes a chunk as base64 lines of at most WRITE_LINE_BYTES bytes', () => {
    const chunk = Uint8Array.from({ length: WRITE_LINE_BYTES + 10 }, (_, i) => i & 0xff);
    const lines = writeChunkCode(chunk).split('\n');
    expect(lines).toHaveLength(2);
    const decoded = lines.map((line) => Buffer.from(/_kw\(_kd\(b'([^']*)'\)\)/.exec(line)![1]!, 'base64'));
    expect(new Uint8Array(Buffer.concat(decoded))).toEqual(chunk);
  });

  it('decodes read output chunk by chunk, whatever the line endings', () => {
    const a = Buffer.from('first part ').toString('base64');
    const b = Buffer.from([0, 255, 10, 13]).toString('base64');
    expect(Buffer.from(parseReadFileOutput(`${a}\r\n${b}\r\n`)).toString('latin1')).toBe('first part \x00\xff\n\r');
    expect(parseReadFileOutput('')).toHaveLength(0);
    expect(() => parseReadFileOutput('Traceback (most recent call last):')).toThrow(/unexpected output/);
  });

  it('parses a listing with hex names into sorted entries, folders first', () => {
    const hex = (name: string) => Buffer.from(name, 'utf8').toString('hex');
    const stdout = `f 12 ${hex('main.py')}\r\nd 0 ${hex('lib')}\r\nf 3 ${hex('a b.txt')}\r\n`;
    expect(parseListDirOutput('/', stdout)).toEqual([
      { name: 'lib', path: '/lib', kind: 'dir', size: 0 },
      { name: 'a b.txt', path: '/a b.txt', kind: 'file', size: 3 },
      { name: 'main.py', path: '/main.py', kind: 'file', size: 12 },
    ]);
    expect(parseListDirOutput('/lib', `f 1 ${hex('x.py')}\n`)[0]!.path).toBe('/lib/x.py');
  });

  it('puts the folder into the listing code as a safe literal', () => {
    expect(listDirCode("/it's")).toContain("_kp='/it\\'s'");
    expect(joinBoardPath('/', 'a')).toBe('/a');
    expect(joinBoardPath('/lib', 'a')).toBe('/lib/a');
  });
});

describe('digest, usage and rename commands', () => {
  it('parses size and hash, or size alone without hashlib', () => {
    const hash = 'ab'.repeat(32);
    expect(parseFileDigestOutput(`12 ${hash}\r\n`)).toEqual({ size: 12, sha256: hash });
    expect(parseFileDigestOutput('12 -\r\n')).toEqual({ size: 12, sha256: null });
    expect(() => parseFileDigestOutput('Traceback')).toThrow(/unexpected output/);
    expect(parseFsUsageOutput('262144 200704\r\n')).toEqual({ totalBytes: 262144, freeBytes: 200704 });
    expect(fileDigestCode("/it's.py")).toContain("_kp='/it\\'s.py'");
    expect(renameCode('/a', '/b')).toBe("import os\nos.rename('/a','/b')");
    expect(partPath('/main.py')).toBe('/main.py.kiln-part');
    expect(replaceCode('/main.py.kiln-part', '/main.py')).toContain("os.rename('/main.py.kiln-part','/main.py')");
  });
});
