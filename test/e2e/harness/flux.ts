// Flux's source-controller and kustomize-controller as local processes against the e2e API
// server, syncing a Kustomization from a git repository served on loopback (git-server.ts).
//
//   const flux = await startFlux(t, cluster, { kustomizeArgs?: [...] });
//   await flux.sync({ name: 'fleet', url: git.url, branch: git.branch });
//   await git.commit({ 'gateway.yaml': yaml }, 'grow the gateway');
//   await flux.requestReconcile('fleet');
//   const status = await flux.waitForRevision('fleet', sha);
//
// Both run with upstream's flags (binaries and CRDs from scripts/e2e-binaries.sh flux), in
// namespace flux-system (RUNTIME_NAMESPACE), as the cluster admin, without leader election and
// without notification-controller (Events only). source-controller serves artifacts on a loopback
// port that kustomize-controller downloads from.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withoutProxies, type Cluster } from './cluster.ts';
import { namespace, yamlOf } from './objects.ts';
import { repoRoot } from './paths.ts';
import { freePort, makeTempDir, run, startProcess, tailOf, waitFor, type Started } from './processes.ts';

type Teardown = { teardown(fn: () => unknown): void };

export const FLUX_NAMESPACE = 'flux-system';

export type FluxBinaries = { sourceController: string; kustomizeController: string; crdDirs: string[] };

export type Condition = { type: string; status: string; reason: string; message: string };

export type KustomizationStatus = {
  ready?: Condition;
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
};

export type FluxEvent = { type: string; reason: string; message: string };

export type Flux = {
  /** A GitRepository and a Kustomization of the same name, syncing the repository's root. */
  sync(options: { name: string; url: string; branch: string }): Promise<void>;
  /** What `flux reconcile source git` does: annotate the GitRepository so it fetches now. */
  requestReconcile(name: string): Promise<void>;
  kustomization(name: string): Promise<KustomizationStatus>;
  /** Polls until the Kustomization has attempted `revision` (`<branch>@sha1:<sha>`) with Ready=`ready`. */
  waitForAttempt(name: string, revision: string, ready: 'True' | 'False'): Promise<KustomizationStatus>;
  events(name: string): Promise<FluxEvent[]>;
  /** kustomize-controller's log so far. */
  kustomizeLog(): string;
};

let ensured: Promise<FluxBinaries> | undefined;

/** Builds the controllers on first use (see docs/e2e.md), under their own lock. */
export const ensureFluxBinaries = (): Promise<FluxBinaries> => {
  ensured ??= (async () => {
    const result = await run('bash', [join(repoRoot, 'scripts/e2e-binaries.sh'), 'flux'], { timeoutMs: 60 * 60_000 });
    if (result.code !== 0) throw new Error(`scripts/e2e-binaries.sh flux failed (${result.code}):\n${result.stderr.slice(-4000)}`);
    const lines = new Map(
      result.stdout
        .trim()
        .split('\n')
        .map((line) => {
          const [name = '', ...rest] = line.split(' ');
          return [name, rest];
        }),
    );
    const pick = (name: string) => lines.get(name) ?? [];
    const [sourceController, kustomizeController] = [pick('flux-source-controller')[0], pick('flux-kustomize-controller')[0]];
    if (!sourceController || !kustomizeController) throw new Error(`scripts/e2e-binaries.sh flux printed no controller paths: ${result.stdout}`);
    return { sourceController, kustomizeController, crdDirs: pick('flux-crds') };
  })();
  return ensured;
};

const installCrds = async (cluster: Cluster, dirs: string[]) => {
  const files = dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((file) => file.endsWith('.yaml'))
      .map((file) => join(dir, file)),
  );
  const applied = await cluster.kubectl(['apply', '--server-side', ...files.flatMap((file) => ['-f', file])]);
  if (applied.code !== 0) throw new Error(`installing Flux CRDs failed:\n${applied.stderr}`);
  const established = await cluster.kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd',
    'gitrepositories.source.toolkit.fluxcd.io',
    'kustomizations.kustomize.toolkit.fluxcd.io',
  ]);
  if (established.code !== 0) throw new Error(`Flux CRDs not Established:\n${established.stderr}`);
};

type Controller = { process: Started; log: string };

const startController = async (binary: string, name: string, dir: string, env: NodeJS.ProcessEnv, extraArgs: string[]): Promise<Controller> => {
  const health = await freePort();
  const log = join(dir, `${name}.log`);
  const args = [`--metrics-addr=127.0.0.1:${await freePort()}`, `--health-addr=127.0.0.1:${health}`, '--watch-all-namespaces', ...extraArgs];
  const started = startProcess(binary, args, { logFile: log, env });
  await waitFor(
    `${name} /readyz`,
    async () => ((await fetch(`http://127.0.0.1:${health}/readyz`, { signal: AbortSignal.timeout(2_000) })).ok ? true : undefined),
    {
      timeoutMs: 60_000,
      stopIf: () => (started.isRunning() ? undefined : `${name} exited:\n${tailOf(log)}`),
    },
  );
  return { process: started, log };
};

// Short intervals: the scenarios request each fetch, and a failed apply is retried every 5 s
// (what a recovery waits for once certguard is back).
const syncObjects = (name: string, url: string, branch: string) => [
  {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { namespace: FLUX_NAMESPACE, name },
    spec: { url, ref: { branch }, interval: '10m' },
  },
  {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { namespace: FLUX_NAMESPACE, name },
    spec: { sourceRef: { kind: 'GitRepository', name }, path: './', prune: true, interval: '10m', retryInterval: '5s', timeout: '1m' },
  },
];

const getJson = async <T>(cluster: Cluster, args: string[]): Promise<T> => {
  const got = await cluster.kubectl([...args, '-o', 'json']);
  if (got.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${got.stderr}`);
  return JSON.parse(got.stdout) as T;
};

const readStatus = async (cluster: Cluster, name: string): Promise<KustomizationStatus> => {
  const object = await getJson<{ status?: { conditions?: Condition[]; lastAppliedRevision?: string; lastAttemptedRevision?: string } }>(cluster, [
    'get',
    'kustomization.kustomize.toolkit.fluxcd.io',
    name,
    '-n',
    FLUX_NAMESPACE,
  ]);
  const status = object.status ?? {};
  return {
    ready: status.conditions?.find((condition) => condition.type === 'Ready'),
    lastAppliedRevision: status.lastAppliedRevision,
    lastAttemptedRevision: status.lastAttemptedRevision,
  };
};

/** kustomizeArgs: more kustomize-controller flags, e.g. ['--custom-apply-stage-kinds=cert-manager.io/Certificate']. */
export type FluxOptions = { kustomizeArgs?: string[] };

export const startFlux = async (t: Teardown, cluster: Cluster, options: FluxOptions = {}): Promise<Flux> => {
  const binaries = await ensureFluxBinaries();
  await installCrds(cluster, binaries.crdDirs);
  const created = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(namespace(FLUX_NAMESPACE)) });
  if (created.code !== 0) throw new Error(`creating ${FLUX_NAMESPACE} failed: ${created.stderr}`);

  const dir = makeTempDir('flux');
  const env = { ...withoutProxies(), KUBECONFIG: cluster.kubeconfigPath, RUNTIME_NAMESPACE: FLUX_NAMESPACE };
  const storagePort = await freePort();
  mkdirSync(join(dir, 'artifacts')); // source-controller refuses a storage path that does not exist
  const source = await startController(binaries.sourceController, 'source-controller', dir, env, [
    `--storage-path=${join(dir, 'artifacts')}`,
    `--storage-addr=127.0.0.1:${storagePort}`,
    `--storage-adv-addr=127.0.0.1:${storagePort}`,
  ]);
  t.teardown(() => source.process.stop());
  const kustomize = await startController(binaries.kustomizeController, 'kustomize-controller', dir, env, options.kustomizeArgs ?? []);
  t.teardown(() => kustomize.process.stop());

  return {
    sync: async ({ name, url, branch }) => {
      const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...syncObjects(name, url, branch)) });
      if (applied.code !== 0) throw new Error(`creating the GitRepository and Kustomization failed: ${applied.stderr}`);
    },
    requestReconcile: async (name) => {
      const annotated = await cluster.kubectl([
        'annotate',
        '--overwrite',
        'gitrepository.source.toolkit.fluxcd.io',
        name,
        '-n',
        FLUX_NAMESPACE,
        `reconcile.fluxcd.io/requestedAt=${new Date().toISOString()}`,
      ]);
      if (annotated.code !== 0) throw new Error(`requesting a reconcile failed: ${annotated.stderr}`);
    },
    kustomization: (name) => readStatus(cluster, name),
    waitForAttempt: (name, revision, ready) =>
      waitFor(
        `Kustomization ${name} to report Ready=${ready} for ${revision}`,
        async () => {
          const status = await readStatus(cluster, name);
          const done =
            status.lastAttemptedRevision === revision && status.ready?.status === ready && (ready === 'False' || status.lastAppliedRevision === revision);
          return done ? status : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 250 },
      ).catch((error: Error) => {
        throw new Error(
          `${error.message}\n--- kustomize-controller log ---\n${tailOf(kustomize.log, 20)}\n--- source-controller log ---\n${tailOf(source.log, 10)}`,
        );
      }),
    events: async (name) => {
      const list = await getJson<{ items: FluxEvent[] }>(cluster, [
        'get',
        'events',
        '-n',
        FLUX_NAMESPACE,
        `--field-selector=involvedObject.kind=Kustomization,involvedObject.name=${name}`,
      ]);
      return list.items.map(({ type, reason, message }) => ({ type, reason, message }));
    },
    kustomizeLog: () => readFileSync(kustomize.log, 'utf8'),
  };
};
