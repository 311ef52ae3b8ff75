// Paths of the binaries the harness runs, built on first use by scripts/e2e-binaries.sh (cached
// in .cache/e2e-bin/<name>-<version>/, so later calls return at once).
import { join } from 'node:path';
import { repoRoot } from './paths.ts';
import { run } from './processes.ts';

export type Binaries = { kubeApiserver: string; kubeControllerManager: string; etcd: string; certManager: string; traefik: string };

let ensured: Promise<Binaries> | undefined;

// The names scripts/e2e-binaries.sh prints, one "<name> <path>" line each.
const NAMES: Record<keyof Binaries, string> = {
  kubeApiserver: 'kube-apiserver',
  kubeControllerManager: 'kube-controller-manager',
  etcd: 'etcd',
  certManager: 'cert-manager-controller',
  traefik: 'traefik',
};

const parse = (stdout: string): Binaries => {
  const paths = new Map(stdout.trim().split('\n').map((line) => line.split(' ') as [string, string]));
  const entries = Object.entries(NAMES).map(([key, name]) => {
    const path = paths.get(name);
    if (!path) throw new Error(`scripts/e2e-binaries.sh printed no path for ${name}: ${stdout}`);
    return [key, path];
  });
  return Object.fromEntries(entries) as Binaries;
};

/** Builds the binaries if absent (a cold build takes long: see docs/e2e.md). */
export const ensureBinaries = (): Promise<Binaries> => {
  ensured ??= (async () => {
    // A cold build is long; the default run() timeout would kill it.
    const result = await run('bash', [join(repoRoot, 'scripts/e2e-binaries.sh')], { timeoutMs: 90 * 60_000 });
    if (result.code !== 0) throw new Error(`scripts/e2e-binaries.sh failed (${result.code}):\n${result.stderr.slice(-4000)}`);
    return parse(result.stdout);
  })();
  return ensured;
};
