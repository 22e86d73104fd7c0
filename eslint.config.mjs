// ESLint flat config: typescript-eslint's recommended type-aware rules on all TypeScript.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.serverless/',
      '.esbuild/',
      '.esbuild-offline/',
      '.local/',
      'test-output/',
      'coverage/',
      'frontend/dist/',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Functions' code: classic zod (which the Powertools parser's schemas bring too) would put
    // ~65 KiB more of zod into every bundle. shared/zod.ts is zod/mini with its English messages.
    files: ['shared/**/*.ts', 'services/**/*.ts'],
    ignores: ['shared/zod.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'zod', message: 'Import shared/zod.ts (zod/mini, English messages) instead.' },
            { name: 'zod/mini', message: 'Import shared/zod.ts: it loads the English messages.' },
          ],
          patterns: [
            {
              group: [
                '@aws-lambda-powertools/parser',
                '@aws-lambda-powertools/parser/*',
                '@aws-lambda-powertools/batch/parser',
              ],
              message: 'Classic zod: use or add a zod/mini schema in shared/triggers/schemas/.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests read JSON bodies and templates whose shape is what they assert on.
    files: ['tests/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.cjs', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { require: 'readonly', module: 'writable', __filename: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
