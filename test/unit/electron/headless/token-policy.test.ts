import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { MIN_TOKEN_LENGTH, tokenProblem } from '../../../../electron/headless/token-policy';

/** Deterministic "random" bytes, so the acceptance check below cannot flake. */
function pseudoRandom(seed: number, length: number): Buffer {
  const out: Buffer[] = [];
  for (let block = 0; out.length * 32 < length; block++) out.push(createHash('sha256').update(`${seed}:${block}`).digest());
  return Buffer.concat(out).subarray(0, length);
}

describe('the --token policy', () => {
  it('refuses tokens shorter than 16 characters, saying how long and how to make one', () => {
    expect(tokenProblem('x')).toMatch(/too short \(1 characters\).*at least 16.*openssl rand -hex 16/);
    expect(tokenProblem('k7Qp2Zr9Lm4Tx8W')).toMatch(/too short \(15 characters\)/);
    expect(MIN_TOKEN_LENGTH).toBe(16);
  });

  it('refuses long tokens that do not look random', () => {
    for (const weak of ['aaaaaaaaaaaaaaaa', 'abababababababababab', 'abcdefghijklmnopqrst', '0123456789012345', 'zyxwvutsrqponmlk', 'aaaaaaaabbbbbbbb', '1111111111111111111111111111', 'Password1234567890', 'abcdabcdabcdabcd', 'k3yQk3yQk3yQk3yQk3yQ']) {
      expect(tokenProblem(weak) ?? 'accepted', weak).toMatch(/does not look random/);
    }
  });

  it('refuses characters that would need escaping in the URL', () => {
    expect(tokenProblem('k7Qp2Zr9Lm4Tx8W+/A==')).toMatch(/only contain letters, digits/);
    expect(tokenProblem('k7Qp2Zr9 Lm4Tx8WvB')).toMatch(/only contain letters, digits/);
  });

  it('accepts random tokens of the usual shapes', () => {
    expect(tokenProblem(randomBytes(24).toString('base64url'))).toBeNull();
    for (let seed = 0; seed < 2000; seed++) {
      const bytes = pseudoRandom(seed, 24);
      const hex16 = bytes.subarray(0, 8).toString('hex');
      expect(tokenProblem(hex16), hex16).toBeNull();
      const b64 = bytes.toString('base64url');
      expect(tokenProblem(b64), b64).toBeNull();
    }
    expect(tokenProblem('correct-horse-battery-staple')).toBeNull();
  });
});
