// Paths of the kube-apiserver and etcd binaries, built on first use by scripts/e2e-binaries.sh
// (cached in .cache/e2e-bin/<name>-<version>/, so later calls return at once).
import { join } from 'node:path';
import { repoRoot } from './paths.ts';
import { run } from './processes.ts';

export type Binaries = { kubeApiserver: string; etcd: string };

let ensured: Promise<Binaries> | undefined;

const parse = (stdout: string): Binaries => {
  const paths = new Map(stdout.trim().split('\n').map((line) => line.split(' ') as [string, string]));
  const kubeApiserver = paths.get('kube-apiserver');
  const etcd = paths.get('etcd');
  if (!kubeApiserver || !etcd) throw new Error(`scripts/e2e-binaries.sh printed no paths: ${stdout}`);
  return { kubeApiserver, etcd };
};

/** Builds the binaries if absent (a cold build takes ~20 minutes: see docs/e2e.md). */
export const ensureBinaries = (): Promise<Binaries> => {
  ensured ??= (async () => {
    // A cold build is long; the default run() timeout would kill it.
    const result = await run('bash', [join(repoRoot, 'scripts/e2e-binaries.sh')], { timeoutMs: 60 * 60_000 });
    if (result.code !== 0) throw new Error(`scripts/e2e-binaries.sh failed (${result.code}):\n${result.stderr.slice(-4000)}`);
    return parse(result.stdout);
  })();
  return ensured;
};
