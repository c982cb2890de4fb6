import { createHash } from 'node:crypto';

/** Parses "aa:bb:cc:dd:ee:ff" (also with '-'); null when it is not a MAC address. */
export function parseMac(text: string): Uint8Array | null {
  const match = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i.exec(text.trim());
  if (!match) return null;
  return Uint8Array.from(match.slice(1, 7).map((h) => parseInt(h, 16)));
}

export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * A stable MAC for a board name: the chip's Espressif OUI, then three bytes of the name's SHA-256,
 * so "Demo ESP32" always has the same address and two classroom boards never share one.
 */
export function deriveMac(name: string, oui: readonly [number, number, number]): Uint8Array {
  const digest = createHash('sha256').update(`kiln-virtual-board:${name}`).digest();
  return Uint8Array.from([oui[0], oui[1], oui[2], digest[0] ?? 0, digest[1] ?? 0, digest[2] ?? 0]);
}
