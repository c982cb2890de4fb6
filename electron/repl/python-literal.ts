/**
 * Python source literals for values the host puts into code it runs on the board. Everything
 * outside printable ASCII is escaped, so the code survives any console encoding and never
 * contains a byte the raw REPL would take as a command (Ctrl-A..Ctrl-E).
 */
export function pythonString(text: string): string {
  let out = "'";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '\\') out += '\\\\';
    else if (char === "'") out += "\\'";
    else if (code >= 0x20 && code < 0x7f) out += char;
    else if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}'`;
}
