// ESLint: typescript-eslint's recommended rules, and no non-null assertions in the library and its
// scripts (a type should say a value is there; where only the input can break that, `present()` in
// src/errors.ts says what is missing). Formatting is Prettier's (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'site/', 'test-artifacts/', 'notebooks/', 'data/', '.camlab-out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { rules: { '@typescript-eslint/no-non-null-assertion': 'error' } },
  {
    // Packages loaded only when needed (backends, optional tfjs-node, data), by a path known at run time.
    files: ['src/backend.ts', 'src/wasm-threads.ts', 'src/plot/png.ts', 'src/model/imagenet.ts', 'src/image/encode.ts', 'src/data/digits.ts', 'scripts/site-assets.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // In a test, `value!` is itself an assertion: a missing value fails the test at once. Tests also
    // require modules the way a notebook cell does.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
);
