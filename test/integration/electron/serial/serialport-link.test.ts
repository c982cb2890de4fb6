import { afterEach, describe, expect, it } from 'vitest';
import { LinkClosedError, ModemLinesUnsupportedError } from '../../../../electron/serial/link';
import { SerialPortLink } from '../../../../electron/serial/serialport-link';
import { createPtyPair, type PtyPair } from './pty-pair';

let pair: PtyPair | null = null;
const links: SerialPortLink[] = [];

afterEach(async () => {
  for (const link of links.splice(0)) if (link.isOpen) await link.close();
  await pair?.close();
  pair = null;
});

async function openBoth(): Promise<[SerialPortLink, SerialPortLink]> {
  pair = await createPtyPair();
  const a = await SerialPortLink.open(pair.a, 115200);
  const b = await SerialPortLink.open(pair.b, 115200);
  links.push(a, b);
  return [a, b];
}

async function readAll(link: SerialPortLink, length: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let got = 0;
  while (got < length) {
    const chunk = await link.read(2000);
    if (chunk.length === 0) break;
    parts.push(chunk);
    got += chunk.length;
  }
  return Uint8Array.from(parts.flatMap((p) => Array.from(p)));
}

describe('SerialPortLink over a pty pair', () => {
  it('carries bytes both ways, and reads time out empty', async () => {
    const [a, b] = await openBoth();
    const payload = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff);
    await a.write(payload);
    expect(Array.from(await readAll(b, payload.length))).toEqual(Array.from(payload));
    await b.write(Uint8Array.from([1, 2, 3]));
    expect(Array.from(await readAll(a, 3))).toEqual([1, 2, 3]);
    expect((await a.read(50)).length).toBe(0);
  });

  it('rejects setSignals with ModemLinesUnsupportedError on a pty', async () => {
    const [a] = await openBoth();
    await expect(a.setSignals({ dtr: true, rts: false })).rejects.toThrow(ModemLinesUnsupportedError);
  });

  it('changes baud (the pty accepts it)', async () => {
    const [a] = await openBoth();
    await a.setBaudRate(921600);
    expect(a.baudRate).toBe(921600);
  });

  it('reports the far end vanishing: onClose fires and reads reject', async () => {
    const [a] = await openBoth();
    const closed = new Promise<string>((resolve) => a.onClose(resolve));
    await pair!.close();
    pair = null;
    expect(await closed).toMatch(/unplugged|closed/);
    await expect(a.read(100)).rejects.toThrow(LinkClosedError);
    expect(a.isOpen).toBe(false);
  });

  it('explains a missing port', async () => {
    await expect(SerialPortLink.open('/dev/does-not-exist-kiln', 115200)).rejects.toThrow(/does not exist/);
  });
});
