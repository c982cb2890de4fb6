import { describe, expect, it } from 'vitest';
import { bindIpc, type IpcMainLike } from '../../../../electron/shell/ipc-bridge';
import { guardNavigation, isTrustedUrl, secureWebPreferences, type GuardableContents } from '../../../../electron/shell/window-security';
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
  fire(event: string, url?: string): boolean {
    let prevented = false;
    const listener = this.listeners.get(event) as ((e: { preventDefault(): void }, url?: string) => void) | undefined;
    if (!listener) throw new Error(`no listener for ${event}`);
    listener({ preventDefault: () => (prevented = true) }, url);
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
    const prefs = secureWebPreferences('/app/preload.cjs');
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false, webSecurity: true, preload: '/app/preload.cjs' });
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
    guardNavigation(contents, (url) => opened.push(url));
    expect(contents.fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.fire('will-navigate', 'app://kiln/index.html')).toBe(false);
    expect(contents.fire('will-redirect', 'http://evil.example/')).toBe(true);
    expect(contents.fire('will-attach-webview')).toBe(true);
    expect(contents.openHandler?.({ url: 'https://micropython.org/download/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://micropython.org/download/']);
  });
});

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
