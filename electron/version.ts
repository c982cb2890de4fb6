/** Kiln's version, injected at build time from package.json (esbuild define); "dev" when run from source. */
declare const __KILN_VERSION__: string | undefined;
export const KILN_VERSION: string = typeof __KILN_VERSION__ === 'string' ? __KILN_VERSION__ : 'dev';
