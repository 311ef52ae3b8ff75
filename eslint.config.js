// typescript-eslint, type-aware, run by `npm test` (scripts/test.ts) before the tests. Only rules
// that catch real defects here: promises nobody awaits or that are passed where a callback's result
// is ignored, and the import fences of CONTRIBUTING.md "Policies are pure functions".
import tseslint from 'typescript-eslint';

const fence = (patterns) => ['error', { patterns }];

export default tseslint.config(
  { ignores: ['node_modules/**', '.cache/**', 'charts/**', 'certs/**', 'eslint.config.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // tap's t.test() returns a promise tap itself tracks and awaits: the one known-safe call.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: ['@tapjs/core', '@tapjs/test', 'tap'].map((pkg) => ({
            from: 'package',
            name: ['test', 'skip', 'todo', 'only'],
            package: pkg,
          })),
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // A policy never sees HTTP or the Kubernetes client (CONTRIBUTING.md).
    files: ['src/policies/**/*.ts'],
    ignores: ['src/policies/**/*.test.ts'],
    rules: {
      'no-restricted-imports': fence([
        { group: ['fastify', 'fastify/*', '@fastify/*'], message: 'policies never see HTTP: keep fastify in src/server' },
        { group: ['@kubernetes/client-node', '@kubernetes/client-node/*'], message: 'policies read the cluster through the ClusterView only' },
        { group: ['**/server/**', '**/cluster/live/**'], message: 'policies depend on the ClusterView interface, not on the server or the live view' },
        {
          group: ['**/audit/*', '!**/audit/findings.ts', '!**/audit/settings.ts', '**/metrics/**', '**/compose.ts', '**/compose-metrics.ts'],
          message: 'policies hand their audit rules and metrics to the composition root; from audit/ only the findings vocabulary and its settings',
        },
      ]),
    },
  },
  {
    // The audit, the metrics and the cluster view are generic: the composition root hands them the
    // policies; they never reach into a policy's folder (CONTRIBUTING.md "Where a change goes").
    files: ['src/audit/**/*.ts', 'src/metrics/**/*.ts', 'src/cluster/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': fence([
        {
          group: ['**/policies/*/**'],
          message: "a policy's internals are its own: declare what you need on the Policy (policies/types.ts) and wire it in src/compose.ts",
        },
        { group: ['**/compose.ts', '**/compose-metrics.ts'], message: 'the composition root imports these layers, never the other way round' },
      ]),
    },
  },
  {
    // The object model is the bottom layer: everyone imports it, it imports none of them.
    files: ['src/kube/**/*.ts'],
    rules: {
      'no-restricted-imports': fence([
        { group: ['**/admission/**', '**/policies/**', '**/server/**'], message: 'src/kube imports nothing from admission/, policies/ or server/' },
        { group: ['fastify', '@kubernetes/client-node'], message: 'src/kube is plain data and accessors' },
      ]),
    },
  },
);
