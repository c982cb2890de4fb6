import { APP_ORIGIN } from '../../shared/contract/channels';
import { openExternalIfAllowed } from './external-links';

/**
 * Security settings of the desktop window, kept apart from the Electron calls so they can be
 * tested without the Electron binary. Electron's own checklist: isolate the context, sandbox the
 * renderer, no Node in the page, no navigation away, no new windows, check who sends IPC.
 */
export function secureWebPreferences(preloadPath: string, options: { devTools: boolean }) {
  return {
    preload: preloadPath,
    // Off in packaged builds: DevTools would let anyone at the keyboard run code with the page's access to the API.
    devTools: options.devTools,
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

/** What a keyboard event looks like in Electron's before-input-event. */
export interface InputLike {
  type: string;
  key: string;
  control: boolean;
  meta: boolean;
  shift: boolean;
  alt: boolean;
}

type Preventable = { preventDefault(): void };

/** The parts of Electron's WebContents this module uses; tests pass a fake. */
export interface GuardableContents {
  on(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', listener: (event: Preventable, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: Preventable) => void): unknown;
  on(event: 'before-input-event', listener: (event: Preventable, input: InputLike) => void): unknown;
  on(event: 'devtools-opened', listener: () => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  closeDevTools(): void;
}

/**
 * Blocks navigation away from the app (in any frame), webviews and new windows. Links to the
 * allowed sites (docs, MicroPython's site) are handed to the system browser instead of opening
 * inside Kiln; every other URL is dropped.
 */
export function guardNavigation(contents: GuardableContents, openExternal: (url: string) => Promise<void> | void): void {
  const stayInApp = (event: Preventable, url: string) => {
    if (isTrustedUrl(url)) return;
    event.preventDefault();
    openExternalIfAllowed(url, openExternal);
  };
  contents.on('will-navigate', stayInApp);
  contents.on('will-frame-navigate', (event: Preventable, url: string) => {
    if (!isTrustedUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event: Preventable, url: string) => {
    if (!isTrustedUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event: Preventable) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternalIfAllowed(url, openExternal);
    return { action: 'deny' };
  });
}

/** F12, Ctrl+Shift+I/J/C (Cmd+Alt+I/J/C on macOS): the keys that open DevTools. */
export function isDevToolsShortcut(input: InputLike): boolean {
  if (input.type !== 'keyDown') return false;
  const key = input.key.toLowerCase();
  if (key === 'f12') return true;
  if (!['i', 'j', 'c'].includes(key)) return false;
  return (input.control && input.shift) || (input.meta && input.alt);
}

/** Packaged builds: the DevTools shortcuts do nothing, and DevTools opened any other way close at once. */
export function blockDevTools(contents: GuardableContents): void {
  contents.on('before-input-event', (event: Preventable, input: InputLike) => {
    if (isDevToolsShortcut(input)) event.preventDefault();
  });
  contents.on('devtools-opened', () => contents.closeDevTools());
}

/** The part of Electron's app this module uses. */
export interface WebContentsSource {
  on(event: 'web-contents-created', listener: (event: unknown, contents: GuardableContents) => void): unknown;
}

/**
 * Guards every web contents Electron ever creates (the window, and anything a bug or an exploit
 * might spawn), not only the window Kiln opened: no navigation away, no new windows, no
 * webviews, and in packaged builds no DevTools.
 */
export function guardAllWebContents(app: WebContentsSource, options: { openExternal: (url: string) => Promise<void> | void; allowDevTools: boolean }): void {
  app.on('web-contents-created', (_event, contents) => {
    guardNavigation(contents, options.openExternal);
    if (!options.allowDevTools) blockDevTools(contents);
  });
}
