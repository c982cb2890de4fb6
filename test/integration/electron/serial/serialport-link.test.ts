import { closeSync, constants as fsConstants, openSync, readSync, writeSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LinkClosedError, LinkStalledError, ModemLinesUnsupportedError, wireDeadlineMs } from '../../../../electron/serial/link';
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

  it('reports the far end vanishing even when it first reads after the hang-up (end of file, not EIO)', async () => {
    // A hung-up tty answers every read with 0 bytes. serialport's own Unix read retried those for
    // ever (no close event, a core busy), which a loaded machine hit whenever its read came late.
    // Blocking the event loop after killing socat makes the read come late; with only this end
    // open, the old read missed the hang-up every time.
    pair = await createPtyPair();
    const a = await SerialPortLink.open(pair.a, 115200);
    links.push(a);
    const closed = new Promise<string>((resolve) => a.onClose(resolve));
    pair!.process.kill('SIGKILL');
    const until = Date.now() + 300;
    while (Date.now() < until) {
      // Nothing: the poller's wake-up and the read wait behind this.
    }
    const outcome = await Promise.race([closed, new Promise<string>((resolve) => setTimeout(() => resolve('no close event within 5 s'), 5000))]);
    expect(outcome).toMatch(/unplugged/);
    await expect(a.read(100)).rejects.toThrow(LinkClosedError);
    expect(a.isOpen).toBe(false);
  });

  it('explains a missing port', async () => {
    await expect(SerialPortLink.open('/dev/does-not-exist-kiln', 115200)).rejects.toThrow(/does not exist/);
  });

  it('gives up on a write nobody drains within its wire time, closes the link and says what to do', async () => {
    pair = await createPtyPair();
    // Only one end is opened and nothing reads the other: the pty buffers fill and the write's
    // callback never comes. At 4 Mbaud 1 MiB is 2.6 s of wire time; doubled plus 0.2 s margin.
    const baud = 4_000_000;
    const link = await SerialPortLink.open(pair.a, baud, { writeMarginMs: 200 });
    links.push(link);
    const size = 1 << 20;
    const started = Date.now();
    const error = await link.write(new Uint8Array(size)).then(() => null, (e: unknown) => e);
    const took = Date.now() - started;
    expect(error).toBeInstanceOf(LinkStalledError);
    expect(error).toBeInstanceOf(LinkClosedError);
    expect((error as Error).message).toMatch(/stopped responding: sending 1048576 bytes did not finish within .* Unplug the board/);
    expect(took).toBeGreaterThanOrEqual(wireDeadlineMs(size, baud, 200) - 50);
    expect(link.isOpen).toBe(false);
    await expect(link.read(10)).rejects.toThrow(LinkClosedError);
  }, 20_000);

  it('finishes a write that met a full buffer while bytes keep arriving (the lost "writable" wake-up)', async () => {
    pair = await createPtyPair();
    // The far end as a raw fd, drained slowly while it sends a byte every few milliseconds: reads and
    // a waiting write ask serialport's native poller for "readable" and "writable" in turn, the
    // pattern in which its poller loses one of them. A regression guard for both directions; the
    // exact lost wake-up needs a quiet moment that a pty through socat does not reproduce on demand.
    const far = openSync(pair.b, fsConstants.O_RDWR | fsConstants.O_NOCTTY | fsConstants.O_NONBLOCK);
    try {
      const link = await SerialPortLink.open(pair.a, 4_000_000, { writeMarginMs: 20_000 });
      links.push(link);
      const payload = new Uint8Array(512 * 1024).fill(0x5a);
      let finished = false;
      const writing = link.write(payload).then(() => (finished = true));
      let got = 0;
      let sent = 0;
      const buffer = Buffer.alloc(4096);
      const until = Date.now() + 15_000;
      while (got < payload.length && Date.now() < until) {
        try {
          writeSync(far, Buffer.from([sent++ & 0xff]));
        } catch {
          // The far end's buffer is full too; try again next round.
        }
        try {
          got += readSync(far, buffer, 0, buffer.length, null);
        } catch {
          // Nothing to read yet.
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      await Promise.race([writing, new Promise((r) => setTimeout(r, 3000))]);
      expect(got).toBe(payload.length);
      expect(finished).toBe(true);
      expect((await link.read(500)).length).toBeGreaterThan(0);
    } finally {
      closeSync(far);
    }
  }, 40_000);

  it('scales the write deadline with the bytes and the baud', () => {
    expect(wireDeadlineMs(0, 115200, 3000)).toBe(3000);
    // 16 KiB at 115200: 1.42 s on the wire, doubled.
    expect(wireDeadlineMs(16384, 115200, 3000)).toBe(3000 + Math.ceil(((16384 * 10) / 115200) * 2000));
    expect(wireDeadlineMs(16384, 921600, 0)).toBeLessThan(wireDeadlineMs(16384, 115200, 0));
  });
});
