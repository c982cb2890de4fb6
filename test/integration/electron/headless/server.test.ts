import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, type networkInterfaces } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { EventBus } from '../../../../electron/ipc/event-bus';
import { createRouter, type Handlers } from '../../../../electron/ipc/router';
import { startHeadlessServer, type HeadlessServer } from '../../../../electron/headless/server';
import { DEFAULT_SETTINGS } from '../../../../shared/types/settings';
import type { WireServerFrame } from '../../../../shared/contract/api';

const handlers = {
  'app.info': () => ({ name: 'Kiln', version: 'test', mode: 'headless', platform: 'linux', dataDir: '/tmp/k' }),
  'settings.get': () => DEFAULT_SETTINGS,
  'settings.update': (patch: object) => ({ ...DEFAULT_SETTINGS, ...patch }),
  'ports.list': () => ({ ports: [], warnings: [] }),
  'jobs.list': () => [],
  'jobs.cancel': () => {
    throw new Error('unused');
  },
} as unknown as Handlers;

let staticDir: string;
let server: HeadlessServer;
let events: EventBus;

beforeEach(async () => {
  staticDir = await mkdtemp(join(tmpdir(), 'kiln-static-'));
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Kiln</title><div id="root"></div>');
  events = new EventBus();
  server = await startHeadlessServer({ router: createRouter(handlers), events, staticDir });
});

afterEach(async () => {
  await server.close();
  await rm(staticDir, { recursive: true, force: true });
});

/** Opens a WebSocket and resolves with the HTTP status if the upgrade is refused, or the socket if accepted. */
function connect(url: string, headers: Record<string, string> = {}): Promise<{ socket: WebSocket } | { status: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_request, response) => resolve({ status: response.statusCode ?? 0 }));
    socket.once('error', reject);
  });
}

function wsUrl(query: string): string {
  return `${server.origin.replace('http', 'ws')}/api${query}`;
}

function nextFrame(socket: WebSocket): Promise<WireServerFrame> {
  return new Promise((resolve) => socket.once('message', (data) => resolve(JSON.parse(data.toString()) as WireServerFrame)));
}

describe('headless server', () => {
  it('binds to 127.0.0.1 and puts the token in the URL fragment only', () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).toBe(`${server.origin}/#token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses a WebSocket connection without the token, or with a wrong one', async () => {
    expect(await connect(wsUrl(''))).toEqual({ status: 401 });
    expect(await connect(wsUrl('?token='))).toEqual({ status: 401 });
    expect(await connect(wsUrl(`?token=${server.token.slice(0, -1)}x`))).toEqual({ status: 401 });
  });

  it('refuses a connection with the token from another origin, and other paths', async () => {
    expect(await connect(wsUrl(`?token=${server.token}`), { Origin: 'http://evil.example' })).toEqual({ status: 403 });
    expect(await connect(`${server.origin.replace('http', 'ws')}/other?token=${server.token}`)).toEqual({ status: 404 });
  });

  it('serves requests and events to a client with the token', async () => {
    const result = await connect(wsUrl(`?token=${server.token}`), { Origin: server.origin });
    if (!('socket' in result)) throw new Error(`refused with ${result.status}`);
    const { socket } = result;
    const reply = nextFrame(socket);
    socket.send(JSON.stringify({ type: 'request', id: 7, name: 'settings.update', args: { demoBoard: true } }));
    expect(await reply).toEqual({ type: 'response', id: 7, response: { ok: true, result: { ...DEFAULT_SETTINGS, demoBoard: true } } });

    const malformed = nextFrame(socket);
    socket.send(JSON.stringify({ type: 'request', id: 8, name: 'settings.update', args: { flashBaud: 'fast' } }));
    expect(await malformed).toMatchObject({ type: 'response', id: 8, response: { ok: false, error: { code: 'bad-request' } } });

    const event = nextFrame(socket);
    events.emit('ports.changed', { ports: [], warnings: [] });
    expect(await event).toEqual({ type: 'event', name: 'ports.changed', payload: { ports: [], warnings: [] } });
    socket.close();
  });

  it('closes a connection that sends something other than request frames', async () => {
    const result = await connect(wsUrl(`?token=${server.token}`));
    if (!('socket' in result)) throw new Error(`refused with ${result.status}`);
    const closed = new Promise<number>((resolve) => result.socket.once('close', (code) => resolve(code)));
    result.socket.send('not json');
    expect(await closed).toBe(1003);
  });

  it('refuses to start with a weak token, saying why', async () => {
    await expect(startHeadlessServer({ router: createRouter(handlers), events, staticDir, token: 'x' })).rejects.toThrow(/too short \(1 characters\).*at least 16/);
    await expect(startHeadlessServer({ router: createRouter(handlers), events, staticDir, token: 'aaaaaaaaaaaaaaaaaaaa' })).rejects.toThrow(/does not look random/);
  });

  it('also answers to localhost when bound to a loopback address, and to no other name', async () => {
    const port = new URL(server.origin).port;
    const local = await connect(wsUrl(`?token=${server.token}`), { Origin: `http://localhost:${port}` });
    expect('socket' in local).toBe(true);
    if ('socket' in local) local.socket.close();
    // A DNS-rebinding page: its own origin and Host, resolving to this machine.
    expect(await connect(wsUrl(`?token=${server.token}`), { Origin: `http://rebind.example:${port}`, Host: `rebind.example:${port}` })).toEqual({ status: 403 });
    expect(await connect(wsUrl(`?token=${server.token}`), { Origin: `http://127.0.0.1:${Number(port) + 1}` })).toEqual({ status: 403 });
  });

  it('serves the renderer with a Content-Security-Policy and refuses writes', async () => {
    const page = await fetch(`${server.origin}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain(`connect-src 'self' ${server.origin.replace('http', 'ws')}`);
    expect((await fetch(`${server.origin}/`, { method: 'POST' })).status).toBe(405);
    const traversal = await fetch(`${server.origin}/..%2f..%2fetc%2fpasswd`);
    expect(await traversal.text()).not.toContain('root:');
  });
});

describe('headless server on all interfaces (--host 0.0.0.0)', () => {
  /** This machine as the test describes it: loopback plus one LAN address (and an IPv6 one, ignored on 0.0.0.0). */
  const interfaces = () => ({
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', cidr: '127.0.0.1/8' }],
    eth0: [
      { address: '192.168.1.23', family: 'IPv4', internal: false, netmask: '255.255.255.0', mac: '02:00:00:00:00:01', cidr: '192.168.1.23/24' },
      { address: 'fe80::1', family: 'IPv6', internal: false, netmask: 'ffff:ffff:ffff:ffff::', mac: '02:00:00:00:00:01', cidr: 'fe80::1/64', scopeid: 2 },
    ],
  }) as ReturnType<typeof networkInterfaces>;

  let lan: HeadlessServer;
  beforeEach(async () => {
    lan = await startHeadlessServer({ router: createRouter(handlers), events, staticDir, host: '0.0.0.0', listInterfaces: interfaces });
  });
  afterEach(async () => {
    await lan.close();
  });

  it('accepts a browser on the LAN that opened the page at the machine’s address', async () => {
    const port = new URL(lan.origin).port;
    expect(lan.reachableOrigins()).toEqual([`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://192.168.1.23:${port}`]);
    const url = `ws://127.0.0.1:${port}/api?token=${lan.token}`;
    const fromLan = await connect(url, { Origin: `http://192.168.1.23:${port}`, Host: `192.168.1.23:${port}` });
    if (!('socket' in fromLan)) throw new Error(`LAN browser refused with ${fromLan.status}`);
    const reply = nextFrame(fromLan.socket);
    fromLan.socket.send(JSON.stringify({ type: 'request', id: 1, name: 'settings.get', args: {} }));
    expect(await reply).toMatchObject({ type: 'response', id: 1, response: { ok: true } });
    fromLan.socket.close();
  });

  it('still refuses foreign origins, other ports, and a Host the machine does not have', async () => {
    const port = new URL(lan.origin).port;
    const url = `ws://127.0.0.1:${port}/api?token=${lan.token}`;
    expect(await connect(url, { Origin: 'http://evil.example' })).toEqual({ status: 403 });
    expect(await connect(url, { Origin: `http://192.168.1.24:${port}` })).toEqual({ status: 403 });
    expect(await connect(url, { Origin: `http://192.168.1.23:${Number(port) + 1}` })).toEqual({ status: 403 });
    expect(await connect(url, { Origin: `https://192.168.1.23:${port}` })).toEqual({ status: 403 });
    expect(await connect(url, { Origin: `http://evil.example:${port}`, Host: `evil.example:${port}` })).toEqual({ status: 403 });
    expect(await connect(url, { Origin: `http://192.168.1.23:${port}`, Host: `evil.example:${port}` })).toEqual({ status: 403 });
    // And the token is still required from the LAN.
    expect(await connect(`ws://127.0.0.1:${port}/api?token=wrong`, { Origin: `http://192.168.1.23:${port}` })).toEqual({ status: 401 });
  });
});
