/**
 * The desktop app's main process: one window, the services, and the IPC bridge. Everything here
 * is wiring; the work happens in the services and the engine, which never import Electron.
 */
import { app, BrowserWindow, ipcMain, net, protocol, session, shell } from 'electron';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { APP_HOST, APP_ORIGIN, APP_SCHEME } from '../../shared/contract/channels';
import { contentSecurityPolicy } from '../headless/security-headers';
import { createKilnServices, type KilnServices } from '../ipc/kiln-services';
import { bindIpc } from '../shell/ipc-bridge';
import { denyAllPermissions } from '../shell/permissions';
import { guardAllWebContents, secureWebPreferences } from '../shell/window-security';
import { hardwarePortLister, demoPortList, openPort } from '../services/port-sources';
import { releaseVirtualPort } from '../virtual-board/access/virtual-ports';

const here = dirname(fileURLToPath(import.meta.url));
const rendererDir = join(here, '..', 'renderer');

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

/** Serves the built renderer from app://kiln/, with the CSP on every response, and nothing outside its folder. */
function serveRenderer(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('Not found', { status: 404 });
    const relative = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = normalize(join(rendererDir, relative));
    if (!file.startsWith(rendererDir + sep)) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', contentSecurityPolicy());
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
}

async function createWindow(services: KilnServices): Promise<void> {
  const window = new BrowserWindow({
    width: 1180,
    height: 800,
    minWidth: 880,
    minHeight: 600,
    title: 'Kiln',
    show: false,
    backgroundColor: '#14161a',
    webPreferences: secureWebPreferences(join(here, 'preload.cjs'), { devTools: !app.isPackaged }),
  });
  const unbind = bindIpc(ipcMain, services.router, services.events, window.webContents);
  window.on('closed', unbind);
  window.once('ready-to-show', () => window.show());
  await window.loadURL(`${APP_ORIGIN}/index.html`);
}

async function main(): Promise<void> {
  app.enableSandbox();
  // Before any window exists, so nothing Electron creates escapes the guards.
  guardAllWebContents(app, { openExternal: (url) => shell.openExternal(url), allowDevTools: !app.isPackaged });
  await app.whenReady();
  denyAllPermissions(session.defaultSession);
  serveRenderer();
  const services = await createKilnServices({
    dataDir: app.getPath('userData'),
    mode: 'electron',
    version: app.getVersion(),
    listHardwarePorts: hardwarePortLister(),
    demoPorts: demoPortList,
    openLink: openPort,
    releaseVirtualPort,
  });
  await createWindow(services);
  app.on('window-all-closed', () => {
    void services.dispose().finally(() => app.quit());
  });
}

main().catch((error: unknown) => {
  console.error('[kiln] could not start:', error);
  app.exit(1);
});
