import { pythonString } from './python-literal';

/**
 * The Python snippets the host runs on the board to move files, and the parsers for what they
 * print. Data crosses the REPL as base64 text: binary-safe, free of REPL control bytes, and
 * decoded on the board by binascii, which every MicroPython port has.
 */

/** Raw bytes per base64 line; each line is one w(d('...')) call on the board. */
export const WRITE_LINE_BYTES = 384;
/** Lines per REPL execution: about 2 KB of source, small enough for an ESP8266's heap. */
export const WRITE_LINES_PER_EXEC = 4;
/** Bytes the board reads per print when sending a file back. */
export const READ_CHUNK_BYTES = 512;
/**
 * Prints per REPL execution when reading. Each execution ends at the REPL, which matters on the
 * virtual board: its WebAssembly MicroPython collects garbage only between executions, so one
 * long loop over a big file would run out of memory where a board would not.
 */
export const READ_CHUNKS_PER_EXEC = 8;

export interface DirEntry {
  name: string;
  /** Absolute path on the board. */
  path: string;
  kind: 'file' | 'dir';
  /** Bytes; 0 for folders. */
  size: number;
}

export function joinBoardPath(folder: string, name: string): string {
  return folder.endsWith('/') ? `${folder}${name}` : `${folder}/${name}`;
}

export function openForWriteCode(path: string): string {
  return ['import binascii', `_kf=open(${pythonString(path)},'wb')`, '_kw=_kf.write', '_kd=binascii.a2b_base64'].join('\n');
}

/** One execution's worth of writes; `chunk` is at most WRITE_LINE_BYTES * WRITE_LINES_PER_EXEC bytes. */
export function writeChunkCode(chunk: Uint8Array): string {
  const lines: string[] = [];
  for (let offset = 0; offset < chunk.length; offset += WRITE_LINE_BYTES) {
    const piece = chunk.subarray(offset, offset + WRITE_LINE_BYTES);
    // bytes, not str: the WebAssembly port's binascii (Python, not C) accepts only bytes.
    lines.push(`_kw(_kd(b'${Buffer.from(piece).toString('base64')}'))`);
  }
  return lines.join('\n');
}

export const CLOSE_WRITE_CODE = '_kf.close()\ndel _kf,_kw,_kd';

/** Closes the file after a failed write, ignoring errors (the first error is the one to report). */
export const ABORT_WRITE_CODE = 'try:\n _kf.close()\nexcept Exception:\n pass';

export function openForReadCode(path: string): string {
  return ['import binascii', `_kf=open(${pythonString(path)},'rb')`].join('\n');
}

/** Prints the next READ_CHUNKS_PER_EXEC chunks of the open file, one base64 line each; fewer at the end. */
export const READ_CHUNKS_CODE = [
  `for _ki in range(${READ_CHUNKS_PER_EXEC}):`,
  ` _kb=_kf.read(${READ_CHUNK_BYTES})`,
  ' if not _kb:',
  '  break',
  ' print(binascii.b2a_base64(_kb).decode().strip())',
].join('\n');

export const CLOSE_READ_CODE = ['try:', ' _kf.close()', 'except Exception:', ' pass', "for _kn in ('_kf','_kb','_ki'):", ' globals().pop(_kn,None)'].join('\n');

/** Decodes readFileCode's output: one base64 line per chunk. */
export function parseReadFileOutput(stdout: string): Uint8Array {
  const parts = stdout
    .split(/\s+/)
    .filter((line) => line.length > 0)
    .map((line) => {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(line)) throw new Error(`unexpected output from the board: ${line.slice(0, 40)}`);
      return Buffer.from(line, 'base64');
    });
  return new Uint8Array(Buffer.concat(parts));
}

/** Prints "<type> <size> <hex name>" per entry; hex keeps any file name intact. */
export function listDirCode(path: string): string {
  return [
    'import os,binascii',
    `_kp=${pythonString(path)}`,
    'for _ke in os.ilistdir(_kp):',
    " _kn=_ke[0]",
    " _kf=(_kp if _kp.endswith('/') else _kp+'/')+_kn",
    ' _ks=os.stat(_kf)',
    " print(_ks[0]&0x4000 and 'd' or 'f',_ks[6],binascii.hexlify(_kn.encode()).decode())",
    'del _kp',
  ].join('\n');
}

export function parseListDirOutput(folder: string, stdout: string): DirEntry[] {
  const entries: DirEntry[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const match = /^([df]) (\d+) ([0-9a-f]*)$/.exec(trimmed);
    if (!match) throw new Error(`unexpected output from the board: ${trimmed.slice(0, 40)}`);
    const name = Buffer.from(match[3]!, 'hex').toString('utf8');
    const kind = match[1] === 'd' ? 'dir' : 'file';
    entries.push({ name, path: joinBoardPath(folder, name), kind, size: kind === 'dir' ? 0 : Number(match[2]) });
  }
  return entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
}

export function removeCode(path: string): string {
  return ['import os', `_kp=${pythonString(path)}`, 'if os.stat(_kp)[0]&0x4000:', ' os.rmdir(_kp)', 'else:', ' os.remove(_kp)', 'del _kp'].join('\n');
}

export function mkdirCode(path: string, existOk: boolean): string {
  if (!existOk) return `import os\nos.mkdir(${pythonString(path)})`;
  return ['import os', 'try:', ` os.mkdir(${pythonString(path)})`, 'except OSError as _ke:', ' if _ke.args[0]!=17:', '  raise'].join('\n');
}

export function renameCode(from: string, to: string): string {
  return `import os\nos.rename(${pythonString(from)},${pythonString(to)})`;
}

/** Removes a file, or a folder with everything in it (depth first). */
export function removeTreeCode(path: string): string {
  return [
    'import os',
    'def _krm(p):',
    ' if os.stat(p)[0]&0x4000:',
    '  for e in os.ilistdir(p):',
    "   _krm((p if p.endswith('/') else p+'/')+e[0])",
    "  if p!='/':",
    '   os.rmdir(p)',
    ' else:',
    '  os.remove(p)',
    `_krm(${pythonString(path)})`,
    'del _krm',
  ].join('\n');
}

/**
 * Prints "<size> <sha256 hex>" of a file, or "<size> -" where the firmware has no hashlib. The
 * hash is computed on the board from what its filesystem returns, so it proves the bytes arrived.
 */
export function fileDigestCode(path: string): string {
  return [
    'import os',
    `_kp=${pythonString(path)}`,
    '_ks=os.stat(_kp)[6]',
    'try:',
    ' import hashlib,binascii',
    ' _kh=hashlib.sha256()',
    " _kf=open(_kp,'rb')",
    ' while True:',
    `  _kb=_kf.read(${READ_CHUNK_BYTES})`,
    '  if not _kb:',
    '   break',
    '  _kh.update(_kb)',
    ' _kf.close()',
    ' print(_ks,binascii.hexlify(_kh.digest()).decode())',
    'except ImportError:',
    " print(_ks,'-')",
    "for _kn in ('_kp','_ks','_kh','_kf','_kb'):",
    ' globals().pop(_kn,None)',
  ].join('\n');
}

export interface FileDigest {
  size: number;
  /** Lower-case hex, or null when the board cannot hash. */
  sha256: string | null;
}

export function parseFileDigestOutput(stdout: string): FileDigest {
  const match = /^(\d+) ([0-9a-f]{64}|-)$/.exec(stdout.trim());
  if (!match) throw new Error(`unexpected output from the board: ${stdout.trim().slice(0, 40)}`);
  return { size: Number(match[1]), sha256: match[2] === '-' ? null : match[2]! };
}

/** Prints "<total bytes> <free bytes>" of the filesystem holding `path`. */
export function fsUsageCode(path: string): string {
  return `import os\n_ks=os.statvfs(${pythonString(path)})\nprint(_ks[0]*_ks[2],_ks[0]*_ks[3])\ndel _ks`;
}

export function parseFsUsageOutput(stdout: string): { totalBytes: number; freeBytes: number } {
  const match = /^(\d+) (\d+)$/.exec(stdout.trim());
  if (!match) throw new Error(`unexpected output from the board: ${stdout.trim().slice(0, 40)}`);
  return { totalBytes: Number(match[1]), freeBytes: Number(match[2]) };
}

/** Prints os.uname().sysname ("esp8266", "esp32"), the port MicroPython was built for. */
export const PLATFORM_CODE = "import os\ntry:\n print(os.uname().sysname)\nexcept Exception:\n import sys\n print(sys.platform)";

/** Moves a verified upload over its target: the old file stays whole until the new one is complete. */
export function replaceCode(part: string, target: string): string {
  return ['import os', 'try:', ` os.remove(${pythonString(target)})`, 'except OSError:', ' pass', `os.rename(${pythonString(part)},${pythonString(target)})`].join('\n');
}

/** Where an upload is written before it is verified and moved over its target. */
export function partPath(target: string): string {
  return `${target}.kiln-part`;
}
