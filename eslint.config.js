// ESLint with typescript-eslint's recommended rules over the product, its tests, benches and
// scripts: it catches bugs (unused values, stray expressions, unsafe patterns), not formatting.
// The layering is checked by dependency-cruiser (.dependency-cruiser.cjs); both run in npm test.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  // bench/results: what `npm run bench` writes (measurements, bundles it runs in lab hosts).
  { ignores: ['dist/**', 'node_modules/**', 'src/core/validators.generated.ts', 'bench/results/**', '.scratch/**', '.lab/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Control characters in patterns are deliberate here: refusing them in --var values,
      // keeping the man page ASCII, asserting that no colour escape reaches a pipe.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
