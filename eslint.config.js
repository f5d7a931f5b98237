// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

// Folder boundaries (which folder may import which) are checked by dependency-cruiser
// (.dependency-cruiser.cjs), which sees resolved files; this config checks the code itself.
module.exports = tseslint.config(
  { ignores: ['generated/**', 'dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // Prettier lays code out within 120 columns; this catches what it cannot (comments, long strings).
      'max-len': ['error', { code: 120, tabWidth: 2 }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Type-aware rules: the cache's correctness depends on awaiting the right thing (an invalidation
    // not awaited is a stale read waiting to happen), so promises must be awaited, returned or
    // explicitly voided, and only thenables awaited.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@prisma/*', 'cachedrepo', 'cachedrepo/*'],
              message: 'src/ is the library: it imports no Prisma client and not itself by name (use a relative path)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.cjs', '*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        setInterval: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
