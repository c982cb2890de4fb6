import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unpackedPath } from '../../../../electron/fs/module-files';

const root = mkdtempSync(join(tmpdir(), 'kiln-asar-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('paths inside a packaged app', () => {
  it('point at the unpacked copy of a file electron-builder unpacked beside app.asar', () => {
    mkdirSync(join(root, 'resources', 'app.asar.unpacked', 'dist', 'electron'), { recursive: true });
    const unpacked = join(root, 'resources', 'app.asar.unpacked', 'dist', 'electron', 'micropython-worker.mjs');
    writeFileSync(unpacked, '');
    expect(unpackedPath(join(root, 'resources', 'app.asar', 'dist', 'electron', 'micropython-worker.mjs'))).toBe(unpacked);
  });

  it('leave other paths alone, and archive paths with no unpacked copy', () => {
    const plain = join(root, 'electron', 'virtual-board', 'micropython', 'micropython-worker.mjs');
    expect(unpackedPath(plain)).toBe(plain);
    const packedOnly = join(root, 'resources', 'app.asar', 'dist', 'electron', 'main.mjs');
    expect(unpackedPath(packedOnly)).toBe(packedOnly);
  });
});

describe('the calling module\'s folder', () => {
  it('comes from import.meta.url in ES modules and from __dirname in CommonJS bundles', async () => {
    const { moduleDirectory } = await import('../../../../electron/fs/module-files');
    expect(moduleDirectory('file:///opt/kiln/dist/electron/main.mjs', undefined)).toBe('/opt/kiln/dist/electron');
    expect(moduleDirectory(undefined, '/opt/kiln/dist/electron')).toBe('/opt/kiln/dist/electron');
    expect(moduleDirectory(undefined, undefined)).toBeUndefined();
  });
});
