import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import sirv from 'sirv';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WireRequestFrame, WireServerFrame } from '../../shared/contract/api';
import type { EventBus } from '../ipc/event-bus';
import type { Router } from '../ipc/router';
import { contentSecurityPolicy } from './security-headers';
import { tokenProblem } from './token-policy';
import { reachableHosts, reachableOrigins, type InterfaceLister } from './reachable-origins';

export interface HeadlessServerOptions {
  router: Router;
  events: EventBus;
  /** The built renderer (index.html and assets). */
  staticDir: string;
  /** 127.0.0.1 unless the user asks otherwise (a flashing station on a LAN). */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** A fixed token (must pass the token policy); normally a fresh random one per run. */
  token?: string;
  /** This machine's network interfaces (os.networkInterfaces); tests pass a fixed list. */
  listInterfaces?: InterfaceLister;
}

export interface HeadlessServer {
  /** Open this in a browser: the token travels in the fragment, which is never sent over HTTP. */
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  /** Every origin a browser may reach this server at (one per interface address when bound to 0.0.0.0). */
  reachableOrigins(): string[];
  close(): Promise<void>;
}

/** The WebSocket endpoint; the token must come as ?token=… on the upgrade request. */
export const API_PATH = '/api';
/** A frame larger than this is refused: requests carry names and ids, never file contents. */
const MAX_FRAME_BYTES = 256 * 1024;

/**
 * Headless mode's transport: serves the built renderer over HTTP and the contract over a
 * WebSocket, to a browser on the same machine. Every WebSocket connection must present the
 * per-run token and come from this server's own origin; anything else is refused at the upgrade.
 */
export async function startHeadlessServer(options: HeadlessServerOptions): Promise<HeadlessServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const weakToken = tokenProblem(token);
  if (weakToken) throw new Error(weakToken);
  let origin = '';
  let boundAddress = host;
  let boundPort = 0;
  const listInterfaces = options.listInterfaces;
  const allowedHosts = () => reachableHosts(boundAddress, boundPort, listInterfaces);
  const serveStatic = sirv(options.staticDir, { dev: false, etag: true, single: true });
  const server: Server = createServer((request, response) => {
    response.setHeader('Content-Security-Policy', contentSecurityPolicy({ websocketOrigin: origin.replace(/^http/, 'ws') }));
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    serveStatic(request, response);
  });
  // One misbehaving peer must never take the process (and every board being written) down:
  // each socket's errors end that socket only.
  server.on('connection', (socket) => socket.on('error', () => socket.destroy()));
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  sockets.on('error', (error) => logServerError('WebSocket server', error));
  let clientCount = 0;
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A reset during the handshake; once upgraded, the WebSocket's own handler takes over.
    socket.on('error', () => socket.destroy());
    const refusal = checkUpgrade(request, token, allowedHosts());
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      clientCount += 1;
      serveClient(ws, `ws-${clientCount}`, options.router, options.events);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After listening, an error on the server itself (rare: e.g. EMFILE on accept) is logged, not fatal.
  server.on('error', (error) => logServerError('HTTP server', error));
  const address = server.address() as AddressInfo;
  boundAddress = address.address;
  boundPort = address.port;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  origin = `http://${urlHost}:${address.port}`;

  return {
    url: `${origin}/#token=${token}`,
    origin,
    token,
    reachableOrigins: () => reachableOrigins(boundAddress, boundPort, listInterfaces),
    async close() {
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Returns an HTTP status line when the upgrade must be refused, or null to accept it. `allowed`
 * holds the host:port pairs this server is reachable at.
 */
function checkUpgrade(request: IncomingMessage, token: string, allowed: Set<string>): string | null {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname !== API_PATH) return '404 Not Found';
  const offered = url.searchParams.get('token') ?? '';
  if (!tokensEqual(offered, token)) return '401 Unauthorized';
  // A Host this machine does not answer to is a DNS-rebinding page (evil.example resolving to us).
  const hostHeader = request.headers.host;
  if (hostHeader !== undefined && !allowed.has(hostHeader.toLowerCase())) return '403 Forbidden';
  // Browsers always send Origin on WebSocket upgrades; a page from another site must not get in
  // even if it somehow learned the token. The page must come from an address this server is
  // reachable at (a LAN browser on a flashing station uses the machine's interface address).
  // Non-browser clients (tests, scripts) may omit it.
  const requestOrigin = request.headers.origin;
  if (requestOrigin !== undefined && !isAllowedOrigin(requestOrigin, allowed)) return '403 Forbidden';
  return null;
}

function isAllowedOrigin(requestOrigin: string, allowed: Set<string>): boolean {
  try {
    const parsed = new URL(requestOrigin);
    return parsed.protocol === 'http:' && parsed.origin === requestOrigin.toLowerCase() && allowed.has(parsed.host);
  } catch {
    return false;
  }
}

function tokensEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function serveClient(ws: WebSocket, client: string, router: Router, events: EventBus): void {
  const send = (frame: WireServerFrame) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  };
  const unsubscribe = events.subscribe((name, payload) => send({ type: 'event', name, payload }));
  ws.on('close', unsubscribe);
  // A malformed frame (too large, invalid UTF-8, unmasked, reserved bits, bad opcode) ends up here:
  // ws has already failed the connection with the matching close code; drop this client only.
  ws.on('error', (error) => {
    logClientError(client, error);
    ws.terminate();
  });
  ws.on('message', (data, isBinary) => {
    const frame = isBinary ? null : parseRequest(data.toString());
    if (!frame) {
      // Not our protocol: nothing sensible to answer, so close with "unsupported data".
      ws.close(1003, 'Kiln expects JSON request frames');
      return;
    }
    void router
      .handle(frame.name, frame.args, { client })
      .then((response) => send({ type: 'response', id: frame.id, response }))
      .catch((error: unknown) => logClientError(client, error));
  });
}

function logClientError(client: string, error: unknown): void {
  console.warn(`[kiln] dropped WebSocket client ${client}: ${error instanceof Error ? error.message : String(error)}`);
}

function logServerError(what: string, error: unknown): void {
  console.error(`[kiln] ${what} error (still serving):`, error);
}

function parseRequest(text: string): WireRequestFrame | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const frame = value as Record<string, unknown>;
    if (frame.type !== 'request' || typeof frame.id !== 'number' || !Number.isSafeInteger(frame.id) || typeof frame.name !== 'string') return null;
    return { type: 'request', id: frame.id, name: frame.name, args: frame.args };
  } catch {
    return null;
  }
}
