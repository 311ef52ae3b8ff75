// A real kube-apiserver + etcd on loopback for end-to-end tests, optionally with a real
// kube-controller-manager running the controllers cert-manager relies on (garbage collector,
// ServiceAccounts and their tokens, namespace deletion). There is never a kubelet: Pods are
// stored but never run.
//
//   import { startCluster } from '../e2e/harness/cluster.ts';   // adjust the relative path
//   const cluster = await startCluster();          // ~5-15 s once the binaries are cached
//   t.teardown(() => cluster.stop());
//   const { code, stdout, stderr } = await cluster.kubectl(['apply', '-f', '-'], { input: yaml });
//
// startCluster(options?) → Cluster:
//   kubeconfigPath   a kubeconfig for a system:masters user (static bearer token), server 127.0.0.1
//   serverUrl        https://127.0.0.1:<port>
//   token, caPem     the same credentials, for clients that do not read kubeconfigs
//   kubectl(args, { input? }) → { code, stdout, stderr }   kubectl (paths.ts) with that kubeconfig;
//                    never rejects on a non-zero exit (tests assert the exit code and the output)
//   stopApiServer() / startApiServer() / restartApiServer()   the API server only (same port,
//                    certificates and etcd data), for outage scenarios; start waits for /readyz
//   stop()           kills the controller-manager, the API server and etcd and removes the temp dir;
//                    idempotent
// Options: { crds?: boolean } (default true: install the Gateway API standard-channel and
// cert-manager CRDs of the pinned Go modules and wait until they are Established);
// { controllerManager?: boolean } (default false: start kube-controller-manager with
// CONTROLLERS below and wait until it has created the `default` ServiceAccount).
//
// Binaries come from scripts/e2e-binaries.sh (built on first use: see docs/e2e.md). Every process
// started here is killed on stop(), on process exit, and by the kernel if the test process dies.
import { randomBytes } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { generateRsaKeyPair } from '../../../src/certs/x509.ts';
import { ensureBinaries } from './binaries.ts';
import { KUBECTL } from './paths.ts';
import { base64, issueCa, issueServing } from './pki.ts';
import { freePort, makeTempDir, removeTempDir, retryOnPortClash, run, startProcess, tailOf, waitFor, type RunResult, type Started } from './processes.ts';

export type KubectlResult = RunResult;

export type Cluster = {
  kubeconfigPath: string;
  serverUrl: string;
  token: string;
  caPem: string;
  kubectl(args: string[], options?: { input?: string }): Promise<KubectlResult>;
  stopApiServer(): Promise<void>;
  startApiServer(): Promise<void>;
  restartApiServer(): Promise<void>;
  stop(): Promise<void>;
};

export type ClusterOptions = { crds?: boolean; controllerManager?: boolean };

/**
 * The kube-controller-manager controllers the scenarios need: without the ServiceAccount
 * controller nothing creates the `default` ServiceAccount and cert-manager's solver Pods are
 * refused; without the garbage collector a retried ACME Order's Challenge and solver HTTPRoute are
 * never removed and cert-manager's retry blocks; without the namespace controller a deleted
 * namespace stays Terminating. Everything else (Deployments, Endpoints, nodes...) stays off.
 */
export const CONTROLLERS = ['garbage-collector-controller', 'serviceaccount-controller', 'serviceaccount-token-controller', 'namespace-controller'];

// Proxies from the environment would carry the API server's webhook calls off loopback.
const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy'];
export const withoutProxies = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };
  for (const name of PROXY_VARS) delete env[name];
  delete env.KUBECONFIG;
  return env;
};

type Ports = { etcdClient: number; etcdPeer: number; apiServer: number; controllerManager: number };

const etcdArgs = (dir: string, ports: Ports): string[] => {
  const client = `http://127.0.0.1:${ports.etcdClient}`;
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  return [
    '--name=e2e',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=e2e=${peer}`,
    // Throwaway data: durability costs seconds per test file on a shared disk.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
};

const apiServerArgs = (dir: string, ports: Ports): string[] => [
  '--bind-address=127.0.0.1',
  '--advertise-address=127.0.0.1',
  `--secure-port=${ports.apiServer}`,
  `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
  `--tls-cert-file=${join(dir, 'pki/apiserver.crt')}`,
  `--tls-private-key-file=${join(dir, 'pki/apiserver.key')}`,
  `--token-auth-file=${join(dir, 'pki/tokens.csv')}`,
  '--authorization-mode=RBAC',
  `--service-account-issuer=https://127.0.0.1:${ports.apiServer}`,
  `--service-account-key-file=${join(dir, 'pki/sa.pub')}`,
  `--service-account-signing-key-file=${join(dir, 'pki/sa.key')}`,
  '--service-cluster-ip-range=10.0.0.0/24',
  '--allow-privileged=true',
  // The `kubernetes` Service's Endpoints cannot hold a loopback address; nothing here needs them.
  '--endpoint-reconciler-type=none',
  `--cert-dir=${join(dir, 'pki')}`,
  '--profiling=false',
];

const controllerManagerArgs = (dir: string, ports: Ports, kubeconfigPath: string): string[] => [
  `--kubeconfig=${kubeconfigPath}`,
  '--leader-elect=false',
  `--controllers=${CONTROLLERS.join(',')}`,
  // The token controller signs ServiceAccount token Secrets with the API server's key pair.
  `--service-account-private-key-file=${join(dir, 'pki/sa.key')}`,
  `--root-ca-file=${join(dir, 'pki/ca.crt')}`,
  '--bind-address=127.0.0.1',
  `--secure-port=${ports.controllerManager}`,
  `--cert-dir=${join(dir, 'kcm-pki')}`,
  '--profiling=false',
];

const writePki = async (dir: string, token: string): Promise<string> => {
  const pki = join(dir, 'pki');
  mkdirSync(pki, { recursive: true });
  const ca = await issueCa('certguard-e2e-apiserver-ca');
  const serving = await issueServing(ca, 'kube-apiserver', ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc'], ['10.0.0.1']);
  const serviceAccount = await generateRsaKeyPair();
  writeFileSync(join(pki, 'ca.crt'), ca.certificatePem);
  writeFileSync(join(pki, 'apiserver.crt'), serving.certificatePem);
  writeFileSync(join(pki, 'apiserver.key'), serving.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(pki, 'sa.key'), serviceAccount.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(pki, 'sa.pub'), serviceAccount.publicKeyPem);
  // token,user,uid,"groups": system:masters bypasses RBAC, like envtest's admin user.
  writeFileSync(join(pki, 'tokens.csv'), `${token},certguard-e2e-admin,certguard-e2e-admin,"system:masters"\n`, { mode: 0o600 });
  return ca.certificatePem;
};

export const writeKubeconfig = (path: string, serverUrl: string, caPem: string, token: string) => {
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'e2e', cluster: { server: serverUrl, 'certificate-authority-data': base64(caPem) } }],
      users: [{ name: 'e2e-admin', user: { token } }],
      contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: 'e2e-admin' } }],
      'current-context': 'e2e',
    }),
    { mode: 0o600 },
  );
};

/** Status code of an authenticated GET against the API server (the harness's readiness probe). */
export const getStatus = (url: string, caPem: string, token: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request(url, { ca: caPem, headers: { authorization: `Bearer ${token}` }, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end();
  });

const getHealth = async (url: string): Promise<boolean> => {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return response.ok && ((await response.json()) as { health?: string }).health === 'true';
};

const failedToStart = (name: string, process: Started, log: string) => () =>
  process.isRunning() ? undefined : `${name} exited during start; log ${log}:\n${tailOf(log)}`;

export const installCrds = async (kubectl: Cluster['kubectl'], dirs: string[]) => {
  // Server-side apply: the HTTPRoute CRD is too big for client-side apply's annotation.
  const applied = await kubectl(['apply', '--server-side', ...dirs.flatMap((dir) => ['-f', dir])]);
  if (applied.code !== 0) throw new Error(`installing CRDs from ${dirs.join(', ')} failed:\n${applied.stderr}`);
  const established = await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  if (established.code !== 0) throw new Error(`CRDs not Established:\n${established.stderr}`);
};

const startClusterOnce = async (options: ClusterOptions): Promise<Cluster> => {
  const binaries = await ensureBinaries();
  const dir = makeTempDir('cluster');
  const token = randomBytes(24).toString('hex');
  const caPem = await writePki(dir, token);
  const ports: Ports = { etcdClient: await freePort(), etcdPeer: await freePort(), apiServer: await freePort(), controllerManager: await freePort() };
  const serverUrl = `https://127.0.0.1:${ports.apiServer}`;
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfigPath, serverUrl, caPem, token);
  const env = withoutProxies();

  let etcd: Started | undefined;
  let apiServer: Started | undefined;
  let controllerManager: Started | undefined;
  let stopped = false;

  const etcdLog = join(dir, 'etcd.log');
  const apiServerLog = join(dir, 'kube-apiserver.log');
  const controllerManagerLog = join(dir, 'kube-controller-manager.log');

  const startApiServer = async () => {
    if (apiServer?.isRunning()) return;
    const started = startProcess(binaries.kubeApiserver, apiServerArgs(dir, ports), { logFile: apiServerLog, env });
    apiServer = started;
    await waitFor('kube-apiserver /readyz', async () => ((await getStatus(`${serverUrl}/readyz`, caPem, token)) === 200 ? true : undefined), {
      timeoutMs: 120_000,
      stopIf: failedToStart('kube-apiserver', started, apiServerLog),
    });
  };
  const stopApiServer = async () => {
    await apiServer?.stop();
  };

  const kubectl: Cluster['kubectl'] = (args, kubectlOptions = {}) =>
    run(KUBECTL, [`--kubeconfig=${kubeconfigPath}`, `--cache-dir=${join(dir, 'kube-cache')}`, ...args], { input: kubectlOptions.input, env });

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await controllerManager?.stop();
    await apiServer?.stop();
    await etcd?.stop();
    removeTempDir(dir);
  };

  try {
    const startedEtcd = startProcess(binaries.etcd, etcdArgs(dir, ports), { logFile: etcdLog, env });
    etcd = startedEtcd;
    await waitFor('etcd /health', async () => ((await getHealth(`http://127.0.0.1:${ports.etcdClient}/health`)) ? true : undefined), {
      timeoutMs: 60_000,
      stopIf: failedToStart('etcd', startedEtcd, etcdLog),
    });
    await startApiServer();
    if (options.crds !== false) await installCrds(kubectl, [binaries.gatewayApiCrds, binaries.certManagerCrds]);
    if (options.controllerManager) {
      const started = startProcess(binaries.kubeControllerManager, controllerManagerArgs(dir, ports, kubeconfigPath), { logFile: controllerManagerLog, env });
      controllerManager = started;
      // Its first visible work: the ServiceAccount controller fills in `default` everywhere.
      await waitFor(
        'kube-controller-manager to create the default ServiceAccount',
        async () => ((await kubectl(['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name'])).code === 0 ? true : undefined),
        {
          timeoutMs: 120_000,
          intervalMs: 500,
          stopIf: failedToStart('kube-controller-manager', started, controllerManagerLog),
        },
      );
    }
  } catch (error) {
    const logs =
      `--- etcd log ---\n${tailOf(etcdLog, 15)}\n--- kube-apiserver log ---\n${tailOf(apiServerLog, 15)}` +
      (controllerManager ? `\n--- kube-controller-manager log ---\n${tailOf(controllerManagerLog, 15)}` : '');
    await stop();
    throw new Error(`starting the e2e cluster failed: ${(error as Error).message}\n${logs}`);
  }

  return {
    kubeconfigPath,
    serverUrl,
    token,
    caPem,
    kubectl,
    stopApiServer,
    startApiServer,
    restartApiServer: async () => {
      await stopApiServer();
      await startApiServer();
    },
    stop,
  };
};

// The server URL and kubeconfig are written from the ports given, before anything starts.
export const startCluster = (options: ClusterOptions = {}): Promise<Cluster> => retryOnPortClash(() => startClusterOnce(options));
