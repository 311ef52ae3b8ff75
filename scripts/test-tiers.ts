// Which tap files belong to which tier. Unit files need neither Go nor the end-to-end binaries;
// e2e files start a real etcd, kube-apiserver, cert-manager or Traefik built from Go modules: the
// files under test/e2e/ and any file named *.e2e.test.ts.
import { globSync } from 'node:fs';

export const TEST_FILES = ['src/**/*.test.ts', 'test/**/*.test.ts'];
const E2E_FILES = ['test/e2e/**/*.test.ts', 'src/**/*.e2e.test.ts', 'test/**/*.e2e.test.ts'];

const filesOf = (root: string, patterns: string[]): string[] => globSync(patterns, { cwd: root });

/** The tier's test files relative to `root`, sorted. */
export const tierFiles = (root: string, tier: 'unit' | 'e2e'): string[] => {
  const e2e = new Set(filesOf(root, E2E_FILES));
  return filesOf(root, TEST_FILES)
    .filter((file) => e2e.has(file) === (tier === 'e2e'))
    .sort();
};
