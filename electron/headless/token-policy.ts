/**
 * What a user-chosen `--token` must look like. The token is the only thing between the LAN and
 * the boards on a flashing station, so it has to be long and not guessable; it also travels in a
 * URL (query and fragment), so it is limited to characters that need no escaping there.
 */
export const MIN_TOKEN_LENGTH = 16;
const MAX_TOKEN_LENGTH = 256;
/**
 * Shannon estimate over the token's own characters. Random hex of 16 characters averages ~52 and
 * scored no lower than 31 in 20,000 tries; "aaaaaaaabbbbbbbb" scores 16, "abababab…" 1 per character.
 */
const MIN_ESTIMATED_BITS = 28;
const URL_SAFE = /^[A-Za-z0-9._~-]+$/;

const HOW_TO_MAKE_ONE = 'Leave --token out to get a fresh random one, or make one with "openssl rand -hex 16".';

/** Returns why `token` is refused, in Kiln's words, or null when it is acceptable. */
export function tokenProblem(token: string): string | null {
  if (token.length < MIN_TOKEN_LENGTH) {
    return `The token is too short (${token.length} characters): use at least ${MIN_TOKEN_LENGTH} random characters. ${HOW_TO_MAKE_ONE}`;
  }
  if (token.length > MAX_TOKEN_LENGTH) return `The token is too long: use at most ${MAX_TOKEN_LENGTH} characters. ${HOW_TO_MAKE_ONE}`;
  if (!URL_SAFE.test(token)) {
    return `The token may only contain letters, digits and . _ ~ - (it travels in a URL). ${HOW_TO_MAKE_ONE}`;
  }
  if (estimatedBits(token) < MIN_ESTIMATED_BITS || longestPatternRun(token) * 2 >= token.length || isRepetition(token)) {
    return `The token does not look random (repeated or sequential characters are easy to guess). ${HOW_TO_MAKE_ONE}`;
  }
  return null;
}

/** Length × Shannon entropy of the character frequencies: low for "aaaa…" or "abababab…". */
function estimatedBits(token: string): number {
  const counts = new Map<string, number>();
  for (const char of token) counts.set(char, (counts.get(char) ?? 0) + 1);
  let perChar = 0;
  for (const count of counts.values()) {
    const p = count / token.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * token.length;
}

/** "abcdabcdabcdabcd", "k3y!k3y!k3y!…": a short unit repeated to reach the length. */
function isRepetition(token: string): boolean {
  for (let period = 1; period <= token.length / 2; period++) {
    if (token.length % period === 0 && token.slice(0, period).repeat(token.length / period) === token) return true;
  }
  return false;
}

/**
 * The longest stretch in which every character follows the previous one by the same step of
 * -1, 0 or +1 ("abcdefgh", "98765432", "zzzzzzzz"): a keyboard-mash of a counting sequence.
 */
function longestPatternRun(token: string): number {
  let longest = 1;
  let run = 1;
  let step: number | null = null;
  for (let i = 1; i < token.length; i++) {
    const delta = token.charCodeAt(i) - token.charCodeAt(i - 1);
    if (Math.abs(delta) <= 1 && (step === null || delta === step)) {
      run += 1;
      step = delta;
    } else {
      run = Math.abs(delta) <= 1 ? 2 : 1;
      step = Math.abs(delta) <= 1 ? delta : null;
    }
    longest = Math.max(longest, run);
  }
  return longest;
}
