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
  windows: [] as { options: Record<string, unknown>; loaded: string[]; contentsListeners: string[] }[],
  schemes: [] as unknown[],
  handledChannels: [] as string[],
  protocolHandlers: [] as string[],
  sandboxEnabled: false,
  ready: null as null | (() => void),
}));

vi.mock('electron', () => {
  class BrowserWindow {
    webContents: Record<string, unknown>;
    record: { options: Record<string, unknown>; loaded: string[]; contentsListeners: string[] };
    constructor(options: Record<string, unknown>) {
      this.record = { options, loaded: [], contentsListeners: [] };
      recorded.windows.push(this.record);
      const listeners = this.record.contentsListeners;
      this.webContents = {
        on: (event: string) => listeners.push(event),
        setWindowOpenHandler: () => listeners.push('window-open-handler'),
        isDestroyed: () => false,
        send: () => undefined,
      };
    }
    on() {}
    once() {}
    show() {}
    async loadURL(url: string) {
      this.record.loaded.push(url);
    }
  }
  return {
    app: {
      enableSandbox: () => (recorded.sandboxEnabled = true),
      whenReady: () => Promise.resolve(),
      getPath: () => userData,
      getVersion: () => '9.9.9',
      on: () => undefined,
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
    shell: { openExternal: () => Promise.resolve() },
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
});
