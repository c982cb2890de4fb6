// Lint: typescript-eslint's recommended rules with type information, plus React hooks rules for the renderer.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'bench-results/**', 'release/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Playwright fixtures must destructure their (unused) first argument: an empty pattern is its API.
    files: ['test/e2e/**'],
    rules: { 'no-empty-pattern': 'off' },
  },
  ...layerRules(),
);

/**
 * The layers, lowest first (ARCHITECTURE.md): a folder may import the folders listed for it and
 * nothing above. An upward import fails lint, so the rule holds by itself. `electron/entries/` (the
 * entry points) may import anything; tests, benchmarks and scripts are outside the layers.
 */
function layerRules() {
  const may = {
    fs: [],
    serial: ['fs'],
    esp: ['serial', 'fs'],
    repl: ['serial', 'fs'],
    'virtual-board': ['serial', 'esp', 'fs'],
    firmware: ['esp', 'fs'],
    services: ['fs', 'serial', 'esp', 'repl', 'virtual-board', 'firmware'],
    ipc: ['fs', 'serial', 'esp', 'repl', 'virtual-board', 'firmware', 'services'],
    headless: ['ipc', 'services'],
    shell: ['ipc', 'services'],
    cli: ['fs', 'serial', 'esp', 'repl', 'virtual-board', 'firmware', 'services'],
  };
  const layers = [...Object.keys(may), 'entries'];
  const plainNode = { name: 'electron', message: 'Only electron/entries/ and electron/shell/ may import electron: the engine and services are plain Node (tests, the CLI and headless mode run them).' };
  const rules = Object.entries(may).map(([layer, allowed]) => ({
    files: [`electron/${layer}/**/*.{ts,tsx,mjs}`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: layer === 'shell' ? [] : [plainNode],
          patterns: [
            {
              group: layers.filter((other) => other !== layer && !allowed.includes(other)).flatMap((other) => [`**/${other}`, `**/${other}/**`]),
              message: `electron/${layer}/ may import only ${allowed.length ? allowed.map((a) => `electron/${a}/`).join(', ') + ' and ' : ''}shared/ (see ARCHITECTURE.md).`,
            },
            { group: ['**/renderer/**'], message: 'The main process never imports the renderer; both sides share shared/.' },
          ],
        },
      ],
    },
  }));
  // shared/ and the renderer: no Node, no Electron, no main-process code.
  const noMainProcess = (who) => ({
    'no-restricted-imports': [
      'error',
      {
        paths: [plainNode],
        patterns: [
          { group: ['**/electron/**'], message: `${who} never imports main-process code: everything crosses the contract in shared/contract/.` },
          { group: ['node:*'], message: `${who} runs without Node: no node: modules.` },
        ],
      },
    ],
  });
  rules.push({ files: ['shared/**/*.ts'], rules: noMainProcess('shared/') });
  rules.push({ files: ['renderer/src/**/*.{ts,tsx}'], rules: noMainProcess('The renderer') });
  return rules;
}
