import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * electron/entries/electron-main.ts against a fake `electron` module: the binary cannot be downloaded here, but
 * what the main process asks of Electron (window options, protocol, IPC, app lifecycle) can be checked.
 */
const userData = mkdtempSync(join(tmpdir(), 'kiln-main-'));
const recorded = vi.hoisted(() => ({
  windows: [] as { options: Record<string, unknown>; loaded: string[]; contentsListeners: string[]; handlers: Map<string, (...args: unknown[]) => unknown> }[],
  schemes: [] as unknown[],
  handledChannels: [] as string[],
  protocolHandlers: [] as string[],
  sandboxEnabled: false,
  ready: null as null | (() => void),
  appListeners: new Map<string, ((...args: unknown[]) => void)[]>(),
  permissionHandlers: {} as Record<string, ((...args: never[]) => unknown) | null>,
  openedExternally: [] as string[],
  /** Web contents created before the app was ready (must not happen unguarded). */
  contentsCreatedEarly: 0,
}));

vi.mock('electron', () => {
  class BrowserWindow {
    webContents: Record<string, unknown>;
    record: { options: Record<string, unknown>; loaded: string[]; contentsListeners: string[]; handlers: Map<string, (...args: unknown[]) => unknown> };
    constructor(options: Record<string, unknown>) {
      this.record = { options, loaded: [], contentsListeners: [], handlers: new Map() };
      recorded.windows.push(this.record);
      const listeners = this.record.contentsListeners;
      const handlers = this.record.handlers;
      this.webContents = {
        on: (event: string, listener: (...args: unknown[]) => void) => {
          listeners.push(event);
          handlers.set(event, listener);
        },
        setWindowOpenHandler: (handler: (...args: unknown[]) => void) => {
          listeners.push('window-open-handler');
          handlers.set('window-open-handler', handler);
        },
        closeDevTools: () => undefined,
        isDestroyed: () => false,
        send: () => undefined,
      };
      // As in Electron: every new web contents is announced to the app first.
      for (const listener of recorded.appListeners.get('web-contents-created') ?? []) listener({}, this.webContents);
    }
    on() {}
    once() {}
    show() {}
    async loadURL(url: string) {
      this.record.loaded.push(url);
    }
  }
  const permissionSession = {
    setPermissionRequestHandler: (handler: never) => (recorded.permissionHandlers.request = handler),
    setPermissionCheckHandler: (handler: never) => (recorded.permissionHandlers.check = handler),
    setDevicePermissionHandler: (handler: never) => (recorded.permissionHandlers.device = handler),
  };
  return {
    session: { defaultSession: permissionSession },
    app: {
      isPackaged: true,
      enableSandbox: () => (recorded.sandboxEnabled = true),
      whenReady: () => Promise.resolve(),
      getPath: () => userData,
      getVersion: () => '9.9.9',
      on: (event: string, listener: (...args: unknown[]) => void) => {
        recorded.appListeners.set(event, [...(recorded.appListeners.get(event) ?? []), listener]);
      },
      quit: () => undefined,
      exit: () => undefined,
    },
    BrowserWindow,
    ipcMain: { handle: (channel: string) => recorded.handledChannels.push(channel), removeHandler: () => undefined },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => recorded.schemes.push(...schemes),
      handle: (scheme: string) => recorded.protocolHandlers.push(scheme),
    },
    net: { fetch: () => Promise.reject(new Error('not in this test')) },
    shell: {
      openExternal: (url: string) => {
        recorded.openedExternally.push(url);
        return Promise.resolve();
      },
    },
  };
});

afterAll(() => rmSync(userData, { recursive: true, force: true }));

describe('the Electron main process', () => {
  it('opens one sandboxed, isolated window on app://kiln with the IPC bridge bound', async () => {
    await import('../../../../electron/entries/electron-main');
    await vi.waitFor(() => expect(recorded.windows[0]?.loaded).toEqual(['app://kiln/index.html']), { timeout: 10_000 });
    expect(recorded.sandboxEnabled).toBe(true);
    expect(recorded.schemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(recorded.protocolHandlers).toEqual(['app']);
    const prefs = recorded.windows[0]!.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false });
    expect(String(prefs.preload)).toMatch(/preload\.cjs$/);
    expect(recorded.windows[0]!.contentsListeners).toEqual(expect.arrayContaining(['will-navigate', 'will-redirect', 'will-attach-webview', 'window-open-handler']));
    expect(recorded.handledChannels).toEqual(['kiln:invoke']);
  });

  it('guards every web contents, denies permissions, and keeps DevTools shut in a packaged build', async () => {
    await vi.waitFor(() => expect(recorded.windows[0]?.loaded).toHaveLength(1), { timeout: 10_000 });
    expect(recorded.appListeners.get('web-contents-created')).toHaveLength(1);
    // The window's contents got the guards through web-contents-created, once, DevTools blocking included.
    const listeners = recorded.windows[0]!.contentsListeners;
    expect(listeners.filter((event) => event === 'will-navigate')).toHaveLength(1);
    expect(listeners).toEqual(expect.arrayContaining(['will-frame-navigate', 'before-input-event', 'devtools-opened']));
    expect(recorded.windows[0]!.options.webPreferences).toMatchObject({ devTools: false });

    // Any other web contents (one Kiln did not ask for) is guarded the same way.
    const stray = { listeners: [] as string[], on(event: string) { this.listeners.push(event); }, setWindowOpenHandler() { this.listeners.push('window-open-handler'); }, closeDevTools() {} };
    for (const listener of recorded.appListeners.get('web-contents-created') ?? []) listener({}, stray);
    expect(stray.listeners).toEqual(expect.arrayContaining(['will-navigate', 'will-redirect', 'will-attach-webview', 'window-open-handler', 'before-input-event']));

    // Permissions: denied, requests and checks alike.
    const { request, check, device } = recorded.permissionHandlers as Record<string, (...args: unknown[]) => unknown>;
    const granted = await new Promise((resolve) => request!({}, 'media', resolve));
    expect(granted).toBe(false);
    expect(check!({}, 'notifications')).toBe(false);
    expect(device!({})).toBe(false);

    // shell.openExternal only for the allow-list.
    const handlers = recorded.windows[0]!.handlers;
    handlers.get('window-open-handler')!({ url: 'https://evil.example/' });
    handlers.get('window-open-handler')!({ url: 'https://micropython.org/download/' });
    expect(recorded.openedExternally).toEqual(['https://micropython.org/download/']);
  });
});
