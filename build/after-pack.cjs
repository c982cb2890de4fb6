/**
 * electron-builder afterPack hook: flips Electron's fuses in the packaged binary, before it is
 * signed and wrapped into an installer. Fuses are bits compiled into Electron that switch off
 * features an attacker with local access could use to run code as Kiln (Electron's security
 * checklist); they cannot be changed at run time.
 *
 * The logic is split into pure functions so it can be tested with a fake flipFuses (no Electron
 * binary is available where the tests run).
 */
const path = require('node:path');

/** The fuses Kiln sets, by their names in @electron/fuses' FuseV1Options. */
const KILN_FUSES = {
  // ELECTRON_RUN_AS_NODE would turn Kiln's signed binary into a plain Node interpreter.
  RunAsNode: false,
  // NODE_OPTIONS=--require … would inject code into the main process.
  EnableNodeOptionsEnvironmentVariable: false,
  // --inspect / --inspect-brk would open a debugger on the main process.
  EnableNodeCliInspectArguments: false,
  // Cookies and local storage encrypted with an OS-protected key.
  EnableCookieEncryption: true,
  // app.asar is checked against the hash embedded at packaging (macOS and Windows).
  EnableEmbeddedAsarIntegrityValidation: true,
  // Only app.asar is loaded, never a loose app/ folder someone dropped beside it.
  OnlyLoadAppFromAsar: true,
};

/**
 * The path flipFuses needs for this platform: the .app bundle on macOS (the library finds the
 * framework inside), the .exe on Windows, the executable on Linux.
 */
function electronBinaryPath(context) {
  const platform = context.electronPlatformName;
  const productFilename = context.packager.appInfo.productFilename;
  if (platform === 'darwin' || platform === 'mas') return path.join(context.appOutDir, `${productFilename}.app`);
  if (platform === 'win32') return path.join(context.appOutDir, `${productFilename}.exe`);
  if (platform === 'linux') return path.join(context.appOutDir, context.packager.executableName);
  throw new Error(`Kiln does not know where Electron's binary is on platform "${platform}"; cannot set its fuses.`);
}

/**
 * The @electron/fuses config for `platform`/`arch`. `options` maps fuse names to the library's
 * FuseVersion and FuseV1Options enums. An Apple Silicon binary must be re-signed ad hoc after
 * its bytes change, or macOS refuses to run it before the real signature is applied.
 */
function kilnFuseConfig(platform, arch, fuses) {
  const config = { version: fuses.FuseVersion.V1 };
  for (const [name, value] of Object.entries(KILN_FUSES)) {
    const index = fuses.FuseV1Options[name];
    if (index === undefined) throw new Error(`@electron/fuses has no fuse named ${name}; update the list in build/after-pack.cjs.`);
    config[index] = value;
  }
  if ((platform === 'darwin' || platform === 'mas') && arch === 'arm64') config.resetAdHocDarwinSignature = true;
  return config;
}

/** electron-builder's Arch enum is a number; its names are these. */
const ARCH_NAMES = { 0: 'ia32', 1: 'x64', 2: 'armv7l', 3: 'arm64', 4: 'universal' };

async function afterPack(context, fuses = require('@electron/fuses')) {
  const arch = typeof context.arch === 'number' ? ARCH_NAMES[context.arch] : context.arch;
  const binary = electronBinaryPath(context);
  await fuses.flipFuses(binary, kilnFuseConfig(context.electronPlatformName, arch, fuses));
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.afterPack = afterPack;
module.exports.electronBinaryPath = electronBinaryPath;
module.exports.kilnFuseConfig = kilnFuseConfig;
module.exports.KILN_FUSES = KILN_FUSES;
