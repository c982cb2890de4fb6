import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fuses from '@electron/fuses';

/**
 * The electron-builder afterPack hook (build/after-pack.cjs). There is no Electron binary here,
 * so it runs against a fake flipFuses, and against the real @electron/fuses on a stand-in file
 * carrying an Electron fuse wire (the sentinel, version 1, eight fuses), as a packaged binary does.
 */
interface PackContext {
  appOutDir: string;
  electronPlatformName: string;
  arch: number;
  packager: { appInfo: { productFilename: string }; executableName: string };
}
type AfterPack = ((context: PackContext, lib?: unknown) => Promise<void>) & {
  electronBinaryPath(context: PackContext): string;
  KILN_FUSES: Record<string, boolean>;
};
const afterPack = createRequire(import.meta.url)('../../../build/after-pack.cjs') as AfterPack;

const ARCH = { x64: 1, arm64: 3 } as const;
const context = (platform: string, arch: number, appOutDir = '/out'): PackContext => ({
  appOutDir,
  electronPlatformName: platform,
  arch,
  packager: { appInfo: { productFilename: 'Kiln' }, executableName: 'kiln' },
});

/** What every packaged Kiln must have, by @electron/fuses' own option numbers. */
const EXPECTED = {
  [fuses.FuseV1Options.RunAsNode]: false,
  [fuses.FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [fuses.FuseV1Options.EnableNodeCliInspectArguments]: false,
  [fuses.FuseV1Options.EnableCookieEncryption]: true,
  [fuses.FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [fuses.FuseV1Options.OnlyLoadAppFromAsar]: true,
};

function fakeFuses() {
  const calls: { path: string; config: Record<string | number, unknown> }[] = [];
  return {
    calls,
    lib: {
      FuseVersion: fuses.FuseVersion,
      FuseV1Options: fuses.FuseV1Options,
      flipFuses: async (path: string, config: Record<string | number, unknown>) => {
        calls.push({ path, config });
      },
    },
  };
}

describe('the afterPack hook', () => {
  it.each([
    ['linux', ARCH.x64, join('/out', 'kiln'), false],
    ['win32', ARCH.x64, join('/out', 'Kiln.exe'), false],
    ['darwin', ARCH.x64, join('/out', 'Kiln.app'), false],
    ['darwin', ARCH.arm64, join('/out', 'Kiln.app'), true],
    ['mas', ARCH.arm64, join('/out', 'Kiln.app'), true],
  ] as const)('on %s (arch %i) flips the fuses of %s', async (platform, arch, binary, resetsSignature) => {
    const fake = fakeFuses();
    await afterPack(context(platform, arch), fake.lib);
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]!.path).toBe(binary);
    expect(fake.calls[0]!.config).toEqual({ version: fuses.FuseVersion.V1, ...EXPECTED, ...(resetsSignature ? { resetAdHocDarwinSignature: true } : {}) });
  });

  it('refuses a platform it cannot place, instead of packaging without fuses', async () => {
    const fake = fakeFuses();
    await expect(afterPack(context('freebsd', ARCH.x64), fake.lib)).rejects.toThrow(/does not know where Electron's binary is on platform "freebsd"/);
    expect(fake.calls).toEqual([]);
  });

  it('names a fuse the library does not know, instead of silently skipping it', async () => {
    const fake = fakeFuses();
    const { RunAsNode: _dropped, ...options } = fuses.FuseV1Options as unknown as Record<string, number>;
    await expect(afterPack(context('linux', ARCH.x64), { ...fake.lib, FuseV1Options: options })).rejects.toThrow(/no fuse named RunAsNode/);
  });
});

describe('the afterPack hook with the real @electron/fuses', () => {
  let outDir: string;
  beforeEach(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'kiln-fuses-'));
  });
  afterEach(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  /** Electron's fuse wire format: this sentinel, then version, length, and one byte per fuse ('0' off, '1' on). */
  const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
  const enable = 0x31;
  const disable = 0x30;
  /** A stand-in binary: some bytes, the fuse sentinel, wire version 1, 8 fuses all enabled, more bytes. */
  const standIn = () => Buffer.concat([Buffer.from('\x7fELF…code…'), Buffer.from(SENTINEL), Buffer.from([1, 8]), Buffer.from('11111111'), Buffer.from('…more code')]);

  it('writes the fuse wire of a Linux executable', async () => {
    const binary = join(outDir, 'kiln');
    await writeFile(binary, standIn());
    await afterPack(context('linux', ARCH.x64, outDir));
    const wire = await fuses.getCurrentFuseWire(binary);
    for (const [option, on] of Object.entries(EXPECTED)) expect(wire[Number(option) as fuses.FuseV1Options], fuses.FuseV1Options[Number(option)]).toBe(on ? enable : disable);
    // Fuses Kiln leaves alone keep what Electron shipped.
    expect(wire[fuses.FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]).toBe(enable);
    // Nothing else in the file moved.
    expect((await readFile(binary)).length).toBe(standIn().length);
  });

  it('finds the framework inside a macOS .app bundle', async () => {
    const framework = join(outDir, 'Kiln.app', 'Contents', 'Frameworks', 'Electron Framework.framework');
    await mkdir(framework, { recursive: true });
    await writeFile(join(framework, 'Electron Framework'), standIn());
    await afterPack(context('darwin', ARCH.x64, outDir));
    const wire = await fuses.getCurrentFuseWire(join(outDir, 'Kiln.app'));
    expect(wire[fuses.FuseV1Options.RunAsNode]).toBe(disable);
  });
});
