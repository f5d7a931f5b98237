// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

/**
 * Import boundaries of the workspace packages (DESIGN.md, "Dependency direction": core <-
 * prisma <- app; the core imports no entity and no Prisma). `no-restricted-imports` matches
 * import strings, not resolved files, so leaving a package by a relative path is spotted by
 * counting `../`: a file `depth` directories below the package root leaves it with
 * `depth + 1` of them. Imports resolved through tsconfig's baseUrl (`app/src/...`) are
 * refused too.
 * @param {string} packageDir e.g. 'packages/core'
 * @param {string[]} packages package names the package must not import (with their subpaths)
 * @param {string} why the end of the error message
 */
function importBoundaries(packageDir, packages, why) {
  const message = `${packageDir} ${why}`;
  return [1, 2, 3, 4, 5, 6].map((depth) => ({
    files: [`${packageDir}/${'*/'.repeat(depth)}*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: packages.flatMap((name) => [name, `${name}/*`]), message },
            { regex: `^(\\./)?(\\.\\./){${depth}}\\.\\.(/|$)`, message: `${message}: this relative path leaves ${packageDir}` },
            { regex: '^(app|example|bench|packages|tests|scripts)(/|$)', message: `${message}: import other packages by their package name` },
          ],
        },
      ],
    },
  }));
}

module.exports = tseslint.config(
  { ignores: ['app/generated/**', 'packages/*/dist/**', 'dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.cjs', '*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly', setTimeout: 'readonly', setInterval: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  ...importBoundaries('packages/core', ['@prisma/*', '@cachedrepo/prisma', '@cachedrepo/example-app'], 'is generic: it imports no Prisma, no other package of this repository and no entity'),
  ...importBoundaries('packages/prisma', ['@cachedrepo/example-app'], 'serves any application: it imports nothing of the example app'),
);
