/**
 * The only places Kiln's window may send the user's browser to. One list, used by every path
 * that can open a link (new-window requests, navigation attempts); anything else is dropped, so
 * a compromised page cannot make the system open arbitrary URLs or schemes (file:, smb:, custom
 * handlers) through shell.openExternal.
 */
export const EXTERNAL_LINK_HOSTS: readonly string[] = [
  'micropython.org',
  'docs.micropython.org',
  'docs.espressif.com',
  'www.espressif.com',
  'github.com',
];

/** https, a listed host exactly, the default port, no user:password@ part. */
export function isAllowedExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'https:' && parsed.port === '' && parsed.username === '' && parsed.password === '' && EXTERNAL_LINK_HOSTS.includes(parsed.hostname);
}

/** Hands `url` to the system browser when it is allowed; returns whether it did. */
export function openExternalIfAllowed(url: string, openExternal: (url: string) => Promise<void> | void): boolean {
  if (!isAllowedExternalUrl(url)) return false;
  void Promise.resolve(openExternal(url)).catch(() => undefined);
  return true;
}
