/**
 * Headless mode: Kiln's services in plain Node, the UI in any browser on this machine. Used where
 * the Electron binary is missing, on a screenless flashing station, and by the end-to-end tests.
 *
 *   node dist/electron/headless.mjs [--port 8737] [--host 127.0.0.1] [--data-dir DIR] [--demo]
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createKilnServices } from '../ipc/kiln-services';
import { defaultDataDir } from '../services/data-dir';
import { demoPortList, hardwarePortLister, openPort } from '../services/port-sources';
import { releaseVirtualPort } from '../virtual-board/access/virtual-ports';
import { demoBoardSet, parseDemoBoards, type DemoBoardSet } from '../services/demo-boards';
import { startHeadlessServer } from '../headless/server';
import { tokenProblem } from '../headless/token-policy';
import { KILN_VERSION } from '../version';

const USAGE = 'Usage: kiln-headless [--port N] [--host ADDRESS] [--data-dir DIR] [--token TOKEN] [--catalog-url URL] [--demo-boards FILE.json]';

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '0' },
        host: { type: 'string', default: '127.0.0.1' },
        'data-dir': { type: 'string' },
        token: { type: 'string' },
        'catalog-url': { type: 'string' },
        'demo-boards': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a number from 0 to 65535.\n${USAGE}`);
    process.exit(2);
  }
  const weakToken = values.token === undefined ? null : tokenProblem(values.token);
  if (weakToken) {
    console.error(`--token: ${weakToken}`);
    process.exit(2);
  }
  if (values.host !== '127.0.0.1' && values.host !== 'localhost' && values.host !== '::1') {
    console.warn(`Warning: listening on ${values.host} lets other machines reach Kiln (they still need the token).`);
  }
  const here = dirname(fileURLToPath(import.meta.url));
  let demo: DemoBoardSet | null = null;
  if (values['demo-boards']) {
    try {
      demo = demoBoardSet(parseDemoBoards(JSON.parse(await readFile(values['demo-boards'], 'utf8'))));
    } catch (error) {
      console.error(`--demo-boards ${values['demo-boards']}: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(2);
    }
  }
  const chosenDemo = demo;
  const services = await createKilnServices({
    dataDir: values['data-dir'] ?? defaultDataDir(),
    mode: 'headless',
    version: KILN_VERSION,
    listHardwarePorts: hardwarePortLister(),
    demoPorts: chosenDemo ? () => chosenDemo.list() : demoPortList,
    openLink: (path, baud) => (chosenDemo?.handles(path) ? chosenDemo.open(path, baud) : openPort(path, baud)),
    // A Demo board from --demo-boards is one board on the desk: pulled and plugged back, it keeps its flash.
    releaseVirtualPort: (path) => (chosenDemo?.handles(path) ? Promise.resolve() : releaseVirtualPort(path)),
    ...(values['catalog-url'] ? { catalogBaseUrl: values['catalog-url'] } : {}),
  });
  const server = await startHeadlessServer({
    router: services.router,
    events: services.events,
    staticDir: join(here, '..', 'renderer'),
    host: values.host,
    port,
    ...(values.token !== undefined ? { token: values.token } : {}),
  });
  console.log(`Kiln is running headless. Open this address in a browser:\n  ${server.url}`);
  const others = server.reachableOrigins().filter((origin) => origin !== server.origin && !/\/\/(localhost|127\.|\[::1\])/.test(origin));
  if (others.length > 0) {
    console.log(`From another machine on the network:\n${others.map((origin) => `  ${origin}/#token=${server.token}`).join('\n')}`);
  }
  const stop = () => {
    void Promise.all([server.close(), services.dispose()]).finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`Kiln could not start headless mode: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
