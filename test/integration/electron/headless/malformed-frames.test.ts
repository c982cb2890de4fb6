import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startHeadlessServer, type HeadlessServer } from '../../../../electron/headless/server';
import { createKilnServices, type KilnServices } from '../../../../electron/ipc/kiln-services';
import { createVirtualBoard, type VirtualBoard } from '../../../../electron/virtual-board';
import type { WireServerFrame } from '../../../../shared/contract/api';
import type { DeviceSession } from '../../../../shared/types/device';
import type { JobSummary } from '../../../../shared/types/jobs';

/**
 * One hostile or broken client must not take headless Kiln down: each malformed WebSocket frame
 * is sent as raw bytes after a valid, token-carrying upgrade, while a real connect job against a
 * virtual board is in flight. The server drops that client only; the job and other clients go on.
 */
let dataDir: string;
let staticDir: string;
let board: VirtualBoard;
let services: KilnServices;
let server: HeadlessServer;
/** Holds the connect job inside openLink until the attacks are over, so it is provably running during them. */
let releaseLink: () => void = () => undefined;
const linkGate = new Promise<void>((resolve) => (releaseLink = resolve));
/** In a real Node process an unhandled socket error is fatal; here it is caught, so count it. */
const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  dataDir = await mkdtemp(join(tmpdir(), 'kiln-frames-'));
  staticDir = await mkdtemp(join(tmpdir(), 'kiln-frames-static-'));
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Kiln</title>');
  board = await createVirtualBoard({ chip: 'esp32', linkModel: false });
  services = await createKilnServices({
    dataDir,
    mode: 'headless',
    version: 'test',
    listHardwarePorts: async () => [],
    openLink: async (path) => {
      await linkGate;
      return board.connect(path);
    },
  });
  await services.router.handle('settings.update', { demoBoard: true }, { client: 'test' });
  server = await startHeadlessServer({ router: services.router, events: services.events, staticDir });
});

afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  releaseLink();
  await server.close();
  await services.dispose();
  await board.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(staticDir, { recursive: true, force: true });
});

/** A WebSocket frame as a client would build it, with every bit under the test's control. */
function frame(options: { opcode: number; payload: Buffer; fin?: boolean; rsv?: number; masked?: boolean; declaredLength?: number }): Buffer {
  const { opcode, payload, fin = true, rsv = 0, masked = true } = options;
  const length = options.declaredLength ?? payload.length;
  const first = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  let header: Buffer;
  if (length < 126) header = Buffer.from([first, (masked ? 0x80 : 0) | length]);
  else if (length < 0x10000) {
    header = Buffer.alloc(4);
    header.writeUInt8(first, 0);
    header.writeUInt8((masked ? 0x80 : 0) | 126, 1);
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header.writeUInt8(first, 0);
    header.writeUInt8((masked ? 0x80 : 0) | 127, 1);
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((byte, index) => byte ^ mask[index % 4]!));
  return Buffer.concat([header, mask, body]);
}

/** Opens a TCP connection and completes a valid WebSocket upgrade with the token, by hand. */
async function rawUpgrade(): Promise<Socket> {
  const url = new URL(server.origin);
  const socket = tcpConnect(Number(url.port), url.hostname);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const key = randomBytes(16).toString('base64');
  socket.write(
    `GET /api?token=${server.token} HTTP/1.1\r\nHost: ${url.host}\r\nOrigin: ${server.origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const head = await new Promise<string>((resolve, reject) => {
    let received = '';
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n')) {
        socket.off('data', onData);
        resolve(received);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed during the upgrade: ${received}`)));
  });
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  expect(head).toMatch(/^HTTP\/1\.1 101 /);
  expect(head).toContain(`Sec-WebSocket-Accept: ${accept}`);
  return socket;
}

/** Resolves when the server has closed the connection (any bytes it sent first are returned). */
function closedByServer(socket: Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('close', () => resolve(Buffer.concat(chunks)));
  });
}

async function wellBehavedClient(): Promise<{ socket: WebSocket; call(name: string, args: unknown): Promise<WireServerFrame> }> {
  const socket = new WebSocket(`${server.origin.replace('http', 'ws')}/api?token=${server.token}`, { headers: { Origin: server.origin } });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, (frame: WireServerFrame) => void>();
  socket.on('message', (data) => {
    const parsed = JSON.parse(data.toString()) as WireServerFrame;
    if (parsed.type === 'response') pending.get(parsed.id)?.(parsed);
  });
  return {
    socket,
    call(name, args) {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        socket.send(JSON.stringify({ type: 'request', id, name, args }));
      });
    },
  };
}

const MALFORMED: { name: string; bytes: () => Buffer; closeCode: number }[] = [
  // The header alone declares 1 MiB, over the 256 KiB limit: refused before the payload arrives.
  { name: 'a frame over the payload limit', bytes: () => frame({ opcode: 0x1, payload: Buffer.alloc(16), declaredLength: 1024 * 1024 }), closeCode: 1009 },
  { name: 'a text frame with invalid UTF-8', bytes: () => frame({ opcode: 0x1, payload: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }), closeCode: 1007 },
  { name: 'an unmasked client frame', bytes: () => frame({ opcode: 0x1, payload: Buffer.from('{}'), masked: false }), closeCode: 1002 },
  { name: 'a frame with a reserved bit set (RSV2)', bytes: () => frame({ opcode: 0x1, payload: Buffer.from('{}'), rsv: 0b010 }), closeCode: 1002 },
  { name: 'RSV1 (compression) without negotiating it', bytes: () => frame({ opcode: 0x1, payload: Buffer.from('{}'), rsv: 0b100 }), closeCode: 1002 },
  { name: 'a reserved opcode', bytes: () => frame({ opcode: 0x3, payload: Buffer.from('{}') }), closeCode: 1002 },
  { name: 'a fragmented control frame', bytes: () => frame({ opcode: 0x9, payload: Buffer.alloc(0), fin: false }), closeCode: 1002 },
];

/** The close code in a server close frame (unmasked: 0x88, length, code). */
function closeCodeOf(bytes: Buffer): number | null {
  const at = bytes.indexOf(0x88);
  return at >= 0 && bytes.length >= at + 4 ? bytes.readUInt16BE(at + 2) : null;
}

describe('headless server against malformed WebSocket frames', () => {
  it('drops each bad client while the server, another client and a running connect job go on', async () => {
    const good = await wellBehavedClient();
    const connectReply = good.call('device.connect', { port: 'virtual:esp32:frames' });
    // The connect job exists and is held inside openLink: it is running for the whole attack.
    await expect.poll(() => services.jobs.list().find((job) => job.kind === 'connect')?.status, { timeout: 10_000 }).toBe('running');

    for (const attack of MALFORMED) {
      const raw = await rawUpgrade();
      const closed = closedByServer(raw);
      raw.write(attack.bytes());
      const reply = await closed;
      expect(closeCodeOf(reply), attack.name).toBe(attack.closeCode);
      expect(uncaught, attack.name).toEqual([]);

      // The process is still serving: the well-behaved client gets an answer after every attack.
      const answer = await good.call('settings.get', {});
      expect(answer, attack.name).toMatchObject({ type: 'response', response: { ok: true, result: { demoBoard: true } } });
      expect(services.jobs.list().find((job) => job.kind === 'connect')?.status, attack.name).toBe('running');
    }

    // A client that arrives after all of that is served too.
    const late = await wellBehavedClient();
    expect(await late.call('jobs.list', {})).toMatchObject({ type: 'response', response: { ok: true } });

    releaseLink();
    const connected = await connectReply;
    expect(connected).toMatchObject({ type: 'response', response: { ok: true, result: { port: 'virtual:esp32:frames', status: 'ready' } } });
    const session = (connected as { response: { result: DeviceSession } }).response.result;

    // And the board it reached takes a real job to the end.
    const erase = await good.call('device.erase', { sessionId: session.id });
    const job = (erase as { response: { ok: true; result: JobSummary } }).response.result;
    expect((await services.jobs.settled(job.id)).status).toBe('succeeded');
    expect(board.readFlash(0, 4096).every((byte) => byte === 0xff)).toBe(true);
    good.socket.close();
    late.socket.close();
  }, 60_000);
});
