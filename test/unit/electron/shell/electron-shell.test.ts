import { describe, expect, it } from 'vitest';
import { bindIpc, type IpcMainLike } from '../../../../electron/shell/ipc-bridge';
import {
  blockDevTools,
  guardAllWebContents,
  guardNavigation,
  isDevToolsShortcut,
  isTrustedUrl,
  secureWebPreferences,
  type GuardableContents,
  type InputLike,
} from '../../../../electron/shell/window-security';
import { EXTERNAL_LINK_HOSTS, isAllowedExternalUrl } from '../../../../electron/shell/external-links';
import { denyAllPermissions, type PermissionSession } from '../../../../electron/shell/permissions';
import { EventBus } from '../../../../electron/ipc/event-bus';
import { createRouter, type Handlers } from '../../../../electron/ipc/router';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from '../../../../shared/contract/channels';
import { DEFAULT_SETTINGS } from '../../../../shared/types/settings';

/** A stand-in for Electron's WebContents: records listeners so the test can fire them. */
class FakeContents implements GuardableContents {
  listeners = new Map<string, (...args: never[]) => void>();
  openHandler: ((details: { url: string }) => { action: 'deny' }) | null = null;
  sent: unknown[][] = [];
  destroyed = false;
  devToolsClosed = 0;
  closeDevTools() {
    this.devToolsClosed += 1;
  }
  on(event: string, listener: (...args: never[]) => void) {
    this.listeners.set(event, listener);
    return this;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }) {
    this.openHandler = handler;
  }
  isDestroyed() {
    return this.destroyed;
  }
  send(...args: unknown[]) {
    this.sent.push(args);
  }
  fire(event: string, argument?: string | InputLike): boolean {
    let prevented = false;
    const listener = this.listeners.get(event) as ((e: { preventDefault(): void }, argument?: string | InputLike) => void) | undefined;
    if (!listener) throw new Error(`no listener for ${event}`);
    listener({ preventDefault: () => (prevented = true) }, argument);
    return prevented;
  }
}

class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => Promise<unknown>) {
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
}

describe('desktop window hardening', () => {
  it('isolates and sandboxes the renderer with no Node integration', () => {
    const prefs = secureWebPreferences('/app/preload.cjs', { devTools: false });
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false, webSecurity: true, preload: '/app/preload.cjs', devTools: false });
    expect(secureWebPreferences('/app/preload.cjs', { devTools: true }).devTools).toBe(true);
  });

  it('trusts only pages served from app://kiln', () => {
    expect(isTrustedUrl('app://kiln/index.html')).toBe(true);
    expect(isTrustedUrl('app://kiln.evil/index.html')).toBe(false);
    expect(isTrustedUrl('https://example.com/')).toBe(false);
    expect(isTrustedUrl('file:///etc/passwd')).toBe(false);
    expect(isTrustedUrl(undefined)).toBe(false);
  });

  it('blocks navigation, redirects, webviews and new windows; https links go to the system browser', () => {
    const contents = new FakeContents();
    const opened: string[] = [];
    guardNavigation(contents, (url) => void opened.push(url));
    expect(contents.fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.fire('will-navigate', 'app://kiln/index.html')).toBe(false);
    expect(contents.fire('will-redirect', 'http://evil.example/')).toBe(true);
    expect(contents.fire('will-frame-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.fire('will-frame-navigate', 'app://kiln/index.html')).toBe(false);
    expect(contents.fire('will-attach-webview')).toBe(true);
    expect(contents.openHandler?.({ url: 'https://micropython.org/download/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    // https alone is not enough: only the listed sites reach the system browser.
    expect(contents.openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    // A link followed in place goes to the browser too, when allowed; the page stays.
    expect(contents.fire('will-navigate', 'https://docs.espressif.com/projects/esptool/')).toBe(true);
    expect(opened).toEqual(['https://micropython.org/download/', 'https://docs.espressif.com/projects/esptool/']);
  });

  it('opens external links only over https to the listed hosts', () => {
    expect(EXTERNAL_LINK_HOSTS).toEqual(expect.arrayContaining(['micropython.org', 'docs.espressif.com', 'github.com']));
    expect(isAllowedExternalUrl('https://micropython.org/download/ESP32_GENERIC/')).toBe(true);
    expect(isAllowedExternalUrl('https://github.com/micropython/micropython')).toBe(true);
    for (const refused of [
      'http://micropython.org/',
      'https://micropython.org.evil.example/',
      'https://evilmicropython.org/',
      'https://user:pass@github.com/',
      'https://github.com:8443/',
      'file:///etc/passwd',
      'smb://server/share',
      'javascript:alert(1)',
      'not a url',
    ]) {
      expect(isAllowedExternalUrl(refused), refused).toBe(false);
    }
  });

  it('guards every web contents Electron creates, and blocks DevTools unless allowed', () => {
    const listeners: ((event: unknown, contents: GuardableContents) => void)[] = [];
    const app = { on: (_event: 'web-contents-created', listener: (event: unknown, contents: GuardableContents) => void) => listeners.push(listener) };
    guardAllWebContents(app, { openExternal: () => undefined, allowDevTools: false });
    expect(listeners).toHaveLength(1);
    const spawned = new FakeContents();
    listeners[0]!({}, spawned);
    expect(spawned.fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(spawned.fire('will-attach-webview')).toBe(true);
    expect(spawned.openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(spawned.fire('before-input-event', key('F12'))).toBe(true);

    const devApp: typeof listeners = [];
    guardAllWebContents({ on: (_event, listener) => devApp.push(listener) }, { openExternal: () => undefined, allowDevTools: true });
    const devContents = new FakeContents();
    devApp[0]!({}, devContents);
    expect(devContents.listeners.has('will-navigate')).toBe(true);
    expect(devContents.listeners.has('before-input-event')).toBe(false);
  });

  it('swallows the DevTools shortcuts and closes DevTools opened any other way', () => {
    const contents = new FakeContents();
    blockDevTools(contents);
    expect(contents.fire('before-input-event', key('F12'))).toBe(true);
    expect(contents.fire('before-input-event', key('I', { control: true, shift: true }))).toBe(true);
    expect(contents.fire('before-input-event', key('j', { control: true, shift: true }))).toBe(true);
    expect(contents.fire('before-input-event', key('i', { meta: true, alt: true }))).toBe(true);
    // Ordinary typing is untouched: the REPL needs Ctrl+C (interrupt) and plain letters.
    expect(contents.fire('before-input-event', key('c', { control: true }))).toBe(false);
    expect(contents.fire('before-input-event', key('i'))).toBe(false);
    expect(contents.fire('before-input-event', { ...key('F12'), type: 'keyUp' })).toBe(false);
    expect(isDevToolsShortcut(key('F11'))).toBe(false);
    (contents.listeners.get('devtools-opened') as () => void)();
    expect(contents.devToolsClosed).toBe(1);
  });

  it('denies every permission request and check, and device access', async () => {
    const handlers: { request?: Parameters<PermissionSession['setPermissionRequestHandler']>[0]; check?: Parameters<PermissionSession['setPermissionCheckHandler']>[0]; device?: Parameters<PermissionSession['setDevicePermissionHandler']>[0] } = {};
    denyAllPermissions({
      setPermissionRequestHandler: (handler) => (handlers.request = handler),
      setPermissionCheckHandler: (handler) => (handlers.check = handler),
      setDevicePermissionHandler: (handler) => (handlers.device = handler),
    });
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'clipboard-sanitized-write', 'serial', 'hid', 'openExternal', 'fullscreen']) {
      const granted = await new Promise<boolean>((resolve) => handlers.request!({}, permission, resolve));
      expect(granted, permission).toBe(false);
      expect(handlers.check!({}, permission), permission).toBe(false);
    }
    expect(handlers.device!({ deviceType: 'serial' })).toBe(false);
  });
});

function key(name: string, modifiers: Partial<InputLike> = {}): InputLike {
  return { type: 'keyDown', key: name, control: false, meta: false, shift: false, alt: false, ...modifiers };
}

describe('IPC bridge', () => {
  const handlers = {
    'settings.get': () => DEFAULT_SETTINGS,
  } as unknown as Handlers;

  it('routes requests from Kiln’s own page and refuses other senders', async () => {
    const ipc = new FakeIpcMain();
    const events = new EventBus();
    const contents = new FakeContents();
    const unbind = bindIpc(ipc, createRouter(handlers), events, contents);
    const invoke = ipc.handlers.get(INVOKE_CHANNEL);
    if (!invoke) throw new Error('no invoke handler registered');
    expect(await invoke({ senderFrame: { url: 'app://kiln/index.html' } }, 'settings.get', {})).toEqual({ ok: true, result: DEFAULT_SETTINGS });
    expect(await invoke({ senderFrame: { url: 'https://evil.example/' } }, 'settings.get', {})).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await invoke({ senderFrame: null }, 'settings.get', {})).toMatchObject({ ok: false });
    expect(await invoke({ senderFrame: { url: 'app://kiln/' } }, 'settings.get', 'nonsense')).toMatchObject({ ok: false, error: { code: 'bad-request' } });

    events.emit('ports.changed', { ports: [], warnings: [] });
    expect(contents.sent).toEqual([[EVENT_CHANNEL, 'ports.changed', { ports: [], warnings: [] }]]);
    contents.destroyed = true;
    events.emit('ports.changed', { ports: [], warnings: [] });
    expect(contents.sent).toHaveLength(1);

    unbind();
    expect(ipc.handlers.size).toBe(0);
  });
});
