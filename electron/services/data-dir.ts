import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where Kiln keeps its data (firmware cache, backups, settings) when Electron's app.getPath is
 * not available (headless mode, CLI): the same folder Electron would choose for an app named Kiln.
 * KILN_DATA_DIR overrides it (tests, portable installs).
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.KILN_DATA_DIR) return env.KILN_DATA_DIR;
  const home = homedir();
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Kiln');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Kiln');
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Kiln');
}
