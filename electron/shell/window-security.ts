import { APP_ORIGIN } from '../../shared/contract/channels';

/**
 * Security settings of the desktop window, kept apart from the Electron calls so they can be
 * tested without the Electron binary. Electron's own checklist: isolate the context, sandbox the
 * renderer, no Node in the page, no navigation away, no new windows, check who sends IPC.
 */
export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
  } as const;
}

/** Only pages served by Kiln itself (app://kiln/…) may use the API. */
export function isTrustedUrl(url: string | undefined | null): boolean {
  if (!url) return false;
  try {
    return new URL(url).origin === APP_ORIGIN || url.startsWith(`${APP_ORIGIN}/`);
  } catch {
    return false;
  }
}

/** The parts of Electron's WebContents this module uses; tests pass a fake. */
export interface GuardableContents {
  on(event: 'will-navigate' | 'will-redirect', listener: (event: { preventDefault(): void }, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/**
 * Blocks navigation away from the app, webviews and new windows. Links to the web (docs,
 * MicroPython's site) are handed to the system browser instead of opening inside Kiln.
 */
export function guardNavigation(contents: GuardableContents, openExternal: (url: string) => void): void {
  contents.on('will-navigate', (event: { preventDefault(): void }, url: string) => {
    if (!isTrustedUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event: { preventDefault(): void }, url: string) => {
    if (!isTrustedUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event: { preventDefault(): void }) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//i.test(url)) openExternal(url);
    return { action: 'deny' };
  });
}
