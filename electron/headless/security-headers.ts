/**
 * The Content-Security-Policy for the renderer, shared by the Electron window (set on every
 * response through the session) and headless mode (an HTTP header). Only Kiln's own scripts run;
 * the only connection a page may open is back to Kiln itself.
 */
export function contentSecurityPolicy(options: { websocketOrigin?: string } = {}): string {
  const connect = ["'self'"];
  if (options.websocketOrigin) connect.push(options.websocketOrigin);
  return [
    "default-src 'self'",
    "script-src 'self'",
    // xterm.js and React set inline style attributes; no inline <script> is ever allowed.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
