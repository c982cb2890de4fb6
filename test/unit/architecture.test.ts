/**
 * The layer and cycle rules are only worth having if they can fail: these feed each checker an
 * import it must refuse, so that loosening eslint.config.mjs or .dependency-cruiser.cjs by mistake
 * shows up here instead of silently letting the layers blur.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function restrictedImports(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rules (eslint no-restricted-imports)', () => {
  it.each([
    ['electron/serial/new.ts', "import { openPort } from '../services/port-sources';\nexport const x = openPort;\n"],
    ['electron/esp/new.ts', "import { createVirtualBoard } from '../virtual-board';\nexport const x = createVirtualBoard;\n"],
    ['electron/esp/operations/new.ts', "import { DeviceSessions } from '../../services/device-sessions';\nexport const x = DeviceSessions;\n"],
    ['electron/services/new.ts', "import { createRouter } from '../ipc/router';\nexport const x = createRouter;\n"],
    ['electron/firmware/new.ts', "import { app } from 'electron';\nexport const x = app;\n"],
    ['shared/new.ts', "import { listPorts } from '../electron/serial/ports';\nexport const x = listPorts;\n"],
    ['shared/types/new.ts', "import { readFile } from 'node:fs/promises';\nexport const x = readFile;\n"],
    ['renderer/src/new.ts', "import { openPort } from '../../electron/services/port-sources';\nexport const x = openPort;\n"],
  ])('refuses an upward import in %s', async (file, source) => {
    expect(await restrictedImports(file, source)).toHaveLength(1);
  });

  it.each([
    ['electron/services/new.ts', "import { openSerialLink } from '../serial/ports';\nexport const x = openSerialLink;\n"],
    ['electron/virtual-board/new.ts', "import { slipEncode } from '../esp/slip';\nexport const x = slipEncode;\n"],
    ['electron/entries/new.ts', "import { createKilnServices } from '../ipc/kiln-services';\nexport const x = createKilnServices;\n"],
  ])('allows a downward import in %s', async (file, source) => {
    expect(await restrictedImports(file, source)).toEqual([]);
  });
});

describe('import cycles (dependency-cruiser)', () => {
  it('reports a cycle, type-only imports included', async () => {
    const { cruise } = await import('dependency-cruiser');
    const dir = mkdtempSync(path.join(tmpdir(), 'kiln-cycle-'));
    try {
      mkdirSync(path.join(dir, 'src'));
      writeFileSync(path.join(dir, 'src/a.ts'), "import type { B } from './b';\nexport interface A { b: B }\n");
      writeFileSync(path.join(dir, 'src/b.ts'), "import type { A } from './a';\nexport interface B { a: A }\n");
      writeFileSync(path.join(dir, 'src/c.ts'), "export const c = 1;\n");
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const config = require(path.join(root, '.dependency-cruiser.cjs')) as { forbidden: unknown[]; options: Record<string, unknown> };
      const result = await cruise([path.join(dir, 'src')], { validate: true, ruleSet: { forbidden: config.forbidden }, tsPreCompilationDeps: true } as never);
      const output = result.output as { summary: { violations: Array<{ rule: { name: string } }> } };
      expect(output.summary.violations.map((v) => v.rule.name)).toEqual(['no-import-cycles']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
