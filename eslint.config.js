// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // dist/: the package build (npm run build); examples/*/node_modules and cdk.out: a consumer app's install and synth.
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', 'desired-state/schema.json', 'dist/', 'examples/*/node_modules/', 'examples/*/cdk.out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // zod's `z` (named or default export) is one namespace object holding everything, every locale included, so
      // esbuild can't tree-shake it: each Lambda bundle grew by ~360 KB. `import * as z` is shaken to what is used.
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod'][importKind!='type'] > :matches(ImportSpecifier[imported.name='z'], ImportDefaultSpecifier)",
          message: "Use `import * as z from 'zod'` (tree-shakable; see eslint.config.js).",
        },
      ],
    },
  },
  {
    // The core is pure: it must never talk to AWS. Adapters live in functions/aws/. The run's decisions
    // (functions/run/core) are pure too; its orchestration (functions/run/*.ts) calls adapters through ports.
    files: ['functions/core/**/*.ts', 'functions/run/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@aws-sdk/*', '@smithy/*', 'aws-sdk'], message: 'functions/core is pure: AWS calls belong in functions/aws/.' },
            { group: ['node:fs', 'node:fs/*', 'fs', 'node:child_process', 'node:net', 'node:http', 'node:https'], message: 'functions/core is pure: no I/O.' },
          ],
        },
      ],
    },
  },
  {
    files: ['bin/**/*.js', 'examples/*/bin/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
