// Paths of the binaries the harness runs and the CRD dirs it installs, built or copied out of their
// Go modules on first use by scripts/e2e-binaries.sh (cached in
// ${XDG_CACHE_HOME:-~/.cache}/certguard/e2e-bin/<name>-<version>/, so later calls return at once).
import { join } from 'node:path';
import { repoRoot } from './paths.ts';
import { run } from './processes.ts';

export type Binaries = {
  kubeApiserver: string;
  kubeControllerManager: string;
  etcd: string;
  certManager: string;
  /** cert-manager's cainjector (webhook configurations only), our main over the controller's pin. */
  cainjector: string;
  traefik: string;
  /** Traefik v3.0.x: the provider that drops a whole Gateway for one unresolved listener. */
  traefikV30: string;
  /** Traefik v3.6.6: the version incident 000 ran. */
  traefikV366: string;
  /** Gateway API's standard-channel CRDs, from the module test/e2e/gateway-api pins. */
  gatewayApiCrds: string;
  /** cert-manager's CRDs, from the module its controller builds from. */
  certManagerCrds: string;
  kubelet: string;
  kubeScheduler: string;
  kubeProxy: string;
  pause: string;
};

let ensured: Promise<Binaries> | undefined;

// The names scripts/e2e-binaries.sh prints, one "<name> <path>" line each.
const NAMES: Record<keyof Binaries, string> = {
  kubeApiserver: 'kube-apiserver',
  kubeControllerManager: 'kube-controller-manager',
  etcd: 'etcd',
  certManager: 'cert-manager-controller',
  cainjector: 'cert-manager-cainjector',
  traefik: 'traefik',
  traefikV30: 'traefik-v3.0',
  traefikV366: 'traefik-v3.6.6',
  gatewayApiCrds: 'crds-gateway-api',
  certManagerCrds: 'crds-cert-manager',
  kubelet: 'kubelet',
  kubeScheduler: 'kube-scheduler',
  kubeProxy: 'kube-proxy',
  pause: 'pause',
};

const parse = (stdout: string): Binaries => {
  const paths = new Map(
    stdout
      .trim()
      .split('\n')
      .map((line) => line.split(' ') as [string, string]),
  );
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

let reportCrds: Promise<string> | undefined;

/**
 * The folder with the upstream report CRDs (Kyverno's wgpolicyk8s.io PolicyReports, OpenReports'
 * Reports), fetched from their Go modules by scripts/e2e-binaries.sh report-crds (cached; seconds cold).
 */
export const ensureReportCrds = (): Promise<string> => {
  reportCrds ??= (async () => {
    const result = await run('bash', [join(repoRoot, 'scripts/e2e-binaries.sh'), 'report-crds'], { timeoutMs: 10 * 60_000 });
    const dir = /^report-crds (.+)$/m.exec(result.stdout)?.[1];
    if (result.code !== 0 || !dir) throw new Error(`scripts/e2e-binaries.sh report-crds failed (${result.code}):\n${result.stderr.slice(-4000)}`);
    return dir;
  })();
  return reportCrds;
};
