/**
 * The synthetic fallback for the bench images' code (micropython-image.ts uses it only when Debian's
 * picolibc-xtensa-lx106-elf is not installed, and says so): two thirds of its code bytes are uniform
 * random, so zopfli gains less on it (about 1.4 %) than on real compiled code (3.5–6 %).
 * A deterministic stand-in for a real firmware image: the same seed always gives the same bytes,
 * and it compresses about as well as a MicroPython build does (to roughly 60–70 % with deflate),
 * because it mixes the same kinds of content: machine code (skewed opcodes, near-random operands),
 * string tables, and runs of zeros and 0xFF padding.
 */

/** mulberry32: small, fast, good enough for test data. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'machine pin value timer socket network wlan connect error buffer object module import self return ' +
  'print format string bytes list dict tuple range while lambda class except finally raise assert ' +
  'flash memory stack heap alloc free init deinit read write config mode freq uart spi i2c adc pwm'
).split(' ');

export function firmwareLikeImage(size: number, seed = 0x6b696c6e): Uint8Array {
  const random = prng(seed);
  const out = new Uint8Array(size);
  // A small "instruction set": a few dozen opcodes make most of the code bytes.
  const opcodes = Array.from({ length: 48 }, () => Math.floor(random() * 256));
  let o = 0;
  while (o < size) {
    const kind = random();
    const length = Math.min(size - o, 256 + Math.floor(random() * 3840));
    if (kind < 0.66) {
      for (let i = 0; i < length; i++) {
        out[o + i] = i % 3 === 0 ? opcodes[Math.floor(random() * random() * opcodes.length)]! : Math.floor(random() * 256);
      }
    } else if (kind < 0.86) {
      let i = 0;
      while (i < length) {
        const word = WORDS[Math.floor(random() * WORDS.length)]!;
        for (let c = 0; c < word.length && i < length; c++) out[o + i++] = word.charCodeAt(c);
        if (i < length) out[o + i++] = random() < 0.3 ? 0 : 0x20;
      }
    } else {
      out.fill(random() < 0.5 ? 0x00 : 0xff, o, o + length);
    }
    o += length;
  }
  return out;
}
