// A one-node cluster that runs pods: etcd, kube-apiserver, kube-controller-manager (every default
// controller, --use-service-account-credentials), kube-scheduler, containerd + runc + CNI bridge,
// kubelet and kube-proxy (iptables), all inside a network namespace of the test's own
// (host-state.ts), with certguard's image and the pause image imported into containerd.
//
//   const cluster = await startNodeCluster();          // ~30-60 s once binaries and images exist
//   t.teardown(() => cluster.stop());
//   await cluster.helm(['install', 'certguard', CHART, ...]);
//
// startNodeCluster() → NodeCluster: the Cluster API (kubeconfigPath, serverUrl, token, caPem,
// kubectl, stopApiServer/startApiServer/restartApiServer, stop) plus images, nodeAddress,
// helm(args), ctr(args), logs(name) and podCgroup(uid).
// The test reaches the API server at nodeAddress:6443 over the namespace's veth; pods reach it
// as kubernetes.default (kube-proxy), and the API server reaches webhooks through their Service.
//
// stop() puts the host back: pods deleted through the API (the kubelet stops them through the
// CRI), what is left killed through containerd, containerd stopped, every mount under the temp
// dir unmounted, the kubelet's cgroup root removed, the namespace deleted (with its veth, bridge
// and iptables rules), the kernel sysctls the kubelet rewrote restored.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRsaKeyPair } from '../../../src/certs/x509.ts';
import { helmPath } from '../../helpers/helm.ts';
import { ensureBinaries, type Binaries } from './binaries.ts';
import { getStatus, installCrds, withoutProxies, writeKubeconfig, type Cluster } from './cluster.ts';
import {
  createCgroupRoot,
  createNetns,
  holdKernelSysctls,
  noteHostDirs,
  sweepStaleNodes,
  releaseKernelSysctls,
  removeCgroupRoot,
  removeContainerLogLinks,
  unmountUnder,
  type Netns,
} from './host-state.ts';
import { ensureImages, type Images } from './images.ts';
import {
  API_PORT,
  KUBERNETES_SERVICE_IP,
  NODE_NAME,
  apiServerArgs,
  cniConfig,
  containerdConfig,
  controllerManagerArgs,
  etcdArgs,
  kubeProxyConfig,
  kubeletConfig,
  nodePaths,
  schedulerArgs,
  type NodePaths,
} from './node-config.ts';
import { KUBECTL, repoRoot } from './paths.ts';
import { issueCa, issueClient, issueServing } from './pki.ts';
import { makeTempDir, removeTempDir, run, startProcess, tailOf, waitFor, type RunResult, type Started } from './processes.ts';

export type NodeCluster = Cluster & {
  images: Images;
  nodeName: string;
  nodeAddress: string;
  /** The network namespace the node lives in (for processes the test runs beside it: `nsenter --net=`). */
  netnsPath: string;
  dir: string;
  helm(args: string[]): Promise<RunResult>;
  /** containerd's own client, namespace k8s.io (the CRI's). */
  ctr(args: string[]): Promise<RunResult>;
  logs(component: string): string;
  /** The memory cgroup (v1) directory of a pod, by uid. */
  podCgroup(uid: string): string;
};

/** klog's error and fatal lines (E…/F…), the last ones: the kubelet's log starts with hundreds of flags. */
const errorsOf = (file: string): string =>
  tailOf(file, 100_000)
    .split('\n')
    .filter((line) => /^[EF]\d{4} /.test(line))
    .slice(-15)
    .join('\n');

type Identity = { user: string; groups?: string; token: string };

const IDENTITIES = {
  admin: { user: 'certguard-e2e-admin', groups: 'system:masters' },
  node: { user: `system:node:${NODE_NAME}`, groups: 'system:nodes' },
  // The users the default RBAC bootstrap policy binds system:node-proxier, system:kube-scheduler
  // and system:kube-controller-manager to.
  proxy: { user: 'system:kube-proxy' },
  scheduler: { user: 'system:kube-scheduler' },
  controllerManager: { user: 'system:kube-controller-manager' },
};
type Who = keyof typeof IDENTITIES;

const writePki = async (paths: NodePaths, nodeAddress: string, identities: Record<Who, Identity>): Promise<string> => {
  mkdirSync(paths.pki, { recursive: true });
  const write = (name: string, content: string, mode = 0o644) => writeFileSync(join(paths.pki, name), content, { mode });
  const ca = await issueCa('certguard-e2e-node-ca');
  const apiServer = await issueServing(
    ca,
    'kube-apiserver',
    ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
    [nodeAddress, KUBERNETES_SERVICE_IP],
  );
  const kubelet = await issueServing(ca, NODE_NAME, [NODE_NAME], [nodeAddress]);
  const kubeletClient = await issueClient(ca, 'kube-apiserver-kubelet-client', 'system:masters');
  const serviceAccount = await generateRsaKeyPair();
  write('ca.crt', ca.certificatePem);
  write('ca.key', ca.privateKeyPem, 0o600);
  for (const [name, issued] of [
    ['apiserver', apiServer],
    ['kubelet', kubelet],
    ['apiserver-kubelet-client', kubeletClient],
  ] as const) {
    write(`${name}.crt`, issued.certificatePem);
    write(`${name}.key`, issued.privateKeyPem, 0o600);
  }
  write('sa.key', serviceAccount.privateKeyPem, 0o600);
  write('sa.pub', serviceAccount.publicKeyPem);
  // token,user,uid,"groups"
  write(
    'tokens.csv',
    Object.values(identities)
      .map(({ token, user, groups }) => `${token},${user},${user}${groups ? `,"${groups}"` : ''}`)
      .join('\n') + '\n',
    0o600,
  );
  return ca.certificatePem;
};

type Component = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'containerd' | 'kubelet' | 'kube-proxy';

/** Order of shutdown: the node's processes before the control plane they report to. */
const STOP_ORDER: Component[] = ['kube-proxy', 'kubelet', 'containerd', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd'];

export const startNodeCluster = async (): Promise<NodeCluster> => {
  const [binaries, images] = await Promise.all([ensureBinaries(), ensureImages()]);
  await sweepStaleNodes(tmpdir());
  const removeHostDirs = noteHostDirs();
  const dir = makeTempDir('node');
  const paths = nodePaths(dir);
  const netns = await createNetns(randomBytes(2).toString('hex'));
  const identities = Object.fromEntries(
    Object.entries(IDENTITIES).map(([who, identity]) => [who, { ...identity, token: randomBytes(24).toString('hex') }]),
  ) as Record<Who, Identity>;
  const processes = new Map<Component, Started>();
  const logFile = (component: string) => join(dir, `${component}.log`);
  const env = withoutProxies();
  const serverUrl = `https://${netns.nodeAddress}:${API_PORT}`;
  const kubeconfigOf = (who: Who) => join(dir, `${who}.kubeconfig`);
  const kubeconfigPath = kubeconfigOf('admin');
  let caPem = '';
  let stopped = false;

  const start = (component: Component, binary: string, args: string[]) => {
    // nsenter enters the network namespace only: mounts stay shared between kubelet and containerd.
    const started = startProcess('nsenter', [`--net=${netns.path}`, '--', binary, ...args], { logFile: logFile(component), env });
    processes.set(component, started);
    return started;
  };
  const exitedDuringStart = (component: Component) => () => {
    const started = processes.get(component);
    return started && !started.isRunning() ? `${component} exited during start; its errors:\n${errorsOf(logFile(component))}` : undefined;
  };
  const kubectl: Cluster['kubectl'] = (args, options = {}) =>
    run(KUBECTL, [`--kubeconfig=${kubeconfigPath}`, `--cache-dir=${join(dir, 'kube-cache')}`, ...args], { input: options.input, env });
  const ctr = (args: string[]) => run('ctr', ['--address', paths.containerdSocket, '--namespace', 'k8s.io', ...args], { timeoutMs: 300_000 });
  const helm = (args: string[]) => {
    const home = join(dir, 'helm-home');
    return run(helmPath(), [...args, `--kubeconfig=${kubeconfigPath}`], {
      cwd: repoRoot,
      timeoutMs: 600_000,
      env: { ...env, HOME: home, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') },
    });
  };

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopNode(paths, processes, { kubectl, ctr, netns });
    releaseKernelSysctls();
    removeHostDirs();
    removeTempDir(dir);
  };

  try {
    caPem = await writePki(paths, netns.nodeAddress, identities);
    for (const who of Object.keys(IDENTITIES) as Who[]) writeKubeconfig(kubeconfigOf(who), serverUrl, caPem, identities[who].token);
    await startControlPlane({ binaries, paths, netns, start, exitedDuringStart, kubeconfigOf, serverUrl, caPem, token: identities.admin.token });
    await installCrds(kubectl, [binaries.gatewayApiCrds, binaries.certManagerCrds]);
    await startNodeProcesses({ binaries, images, paths, netns, start, exitedDuringStart, kubeconfigOf, ctr, kubectl });
  } catch (error) {
    const logs = [...processes.keys()].map((component) => `--- ${component} ---\n${errorsOf(logFile(component))}`).join('\n');
    await stop();
    throw new Error(`starting the node cluster failed: ${(error as Error).message}\n${logs}`);
  }

  // The API server alone (same flags, certificates and etcd data) for outage scenarios: the pods,
  // the kubelet and kube-proxy keep running; start waits for /readyz.
  const stopApiServer = async () => {
    await processes.get('kube-apiserver')?.stop();
  };
  const startApiServer = async () => {
    if (processes.get('kube-apiserver')?.isRunning()) return;
    start('kube-apiserver', binaries.kubeApiserver, apiServerArgs(paths, netns.nodeAddress));
    await waitFor('kube-apiserver /readyz', async () => ((await getStatus(`${serverUrl}/readyz`, caPem, identities.admin.token)) === 200 ? true : undefined), {
      timeoutMs: 120_000,
      stopIf: exitedDuringStart('kube-apiserver'),
    });
  };
  return {
    kubeconfigPath,
    serverUrl,
    token: identities.admin.token,
    caPem,
    kubectl,
    stopApiServer,
    startApiServer,
    restartApiServer: async () => {
      await stopApiServer();
      await startApiServer();
    },
    stop,
    images,
    nodeName: NODE_NAME,
    nodeAddress: netns.nodeAddress,
    netnsPath: netns.path,
    dir,
    helm,
    ctr,
    logs: (component) => tailOf(logFile(component), 10_000),
    podCgroup: (uid) => findPodCgroup(paths.cgroupRoot, uid),
  };
};

type StartContext = {
  binaries: Binaries;
  paths: NodePaths;
  netns: Netns;
  start(component: Component, binary: string, args: string[]): Started;
  exitedDuringStart(component: Component): () => string | undefined;
  kubeconfigOf(who: Who): string;
};

const startControlPlane = async (context: StartContext & { serverUrl: string; caPem: string; token: string }) => {
  const { binaries, paths, netns, start, exitedDuringStart, kubeconfigOf } = context;
  start('etcd', binaries.etcd, etcdArgs(paths.dir));
  start('kube-apiserver', binaries.kubeApiserver, apiServerArgs(paths, netns.nodeAddress));
  await waitFor(
    'kube-apiserver /readyz',
    async () => ((await getStatus(`${context.serverUrl}/readyz`, context.caPem, context.token)) === 200 ? true : undefined),
    {
      timeoutMs: 180_000,
      stopIf: () => exitedDuringStart('etcd')() ?? exitedDuringStart('kube-apiserver')(),
    },
  );
  start('kube-controller-manager', binaries.kubeControllerManager, controllerManagerArgs(paths, kubeconfigOf('controllerManager')));
  start('kube-scheduler', binaries.kubeScheduler, schedulerArgs(paths, kubeconfigOf('scheduler')));
};

const startNodeProcesses = async (context: StartContext & { images: Images; ctr(args: string[]): Promise<RunResult>; kubectl: Cluster['kubectl'] }) => {
  const { binaries, images, paths, netns, start, exitedDuringStart, kubeconfigOf, ctr, kubectl } = context;
  mkdirSync(join(paths.dir, 'cni'), { recursive: true });
  writeFileSync(join(paths.dir, 'cni', '10-certguard-e2e.conflist'), cniConfig(paths));
  const containerdToml = join(paths.dir, 'containerd.toml');
  writeFileSync(containerdToml, containerdConfig(paths, images.pause.reference));
  start('containerd', 'containerd', ['--config', containerdToml]);
  await waitFor('containerd', async () => ((await ctr(['version'])).code === 0 ? true : undefined), {
    timeoutMs: 60_000,
    stopIf: exitedDuringStart('containerd'),
  });
  for (const image of [images.pause, images.certguard, images.acmesolver]) {
    const imported = await ctr(['images', 'import', image.tarball]);
    if (imported.code !== 0) throw new Error(`importing ${image.tarball} into containerd failed: ${imported.stderr}`);
  }
  const kubeletYaml = join(paths.dir, 'kubelet.yaml');
  writeFileSync(kubeletYaml, kubeletConfig(paths, netns.nodeAddress));
  holdKernelSysctls();
  createCgroupRoot(paths.cgroupRoot);
  start('kubelet', binaries.kubelet, [
    `--config=${kubeletYaml}`,
    `--kubeconfig=${kubeconfigOf('node')}`,
    `--root-dir=${paths.kubeletRoot}`,
    `--hostname-override=${NODE_NAME}`,
    `--node-ip=${netns.nodeAddress}`,
    '--v=1',
  ]);
  const kubeProxyYaml = join(paths.dir, 'kube-proxy.yaml');
  writeFileSync(kubeProxyYaml, kubeProxyConfig(kubeconfigOf('proxy'), netns.nodeAddress));
  start('kube-proxy', binaries.kubeProxy, [`--config=${kubeProxyYaml}`]);
  await waitFor(
    'the node to be Ready',
    async () => {
      const ready = await kubectl(['get', 'node', NODE_NAME, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
      return ready.stdout === 'True' ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500, stopIf: () => exitedDuringStart('kubelet')() ?? exitedDuringStart('kube-proxy')() },
  );
  await waitFor(
    'the default ServiceAccount',
    async () => ((await kubectl(['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name'])).code === 0 ? true : undefined),
    {
      timeoutMs: 120_000,
      intervalMs: 500,
      stopIf: exitedDuringStart('kube-controller-manager'),
    },
  );
};

const findPodCgroup = (cgroupRoot: string, uid: string): string => {
  const base = join('/sys/fs/cgroup/memory', cgroupRoot, 'kubepods');
  const name = `pod${uid}`;
  for (const qos of ['', 'burstable', 'besteffort']) {
    const path = join(base, qos, name);
    if (existsSync(path)) return path;
  }
  throw new Error(`no memory cgroup for pod ${uid} under ${base}`);
};

type StopContext = { kubectl: Cluster['kubectl']; ctr(args: string[]): Promise<RunResult>; netns: Netns };

const stopNode = async (paths: NodePaths, processes: Map<Component, Started>, { kubectl, ctr, netns }: StopContext) => {
  const running = (component: Component) => processes.get(component)?.isRunning() === true;
  if (running('kubelet') && running('kube-apiserver')) {
    // Nothing may recreate them; then the kubelet stops every pod through the CRI.
    await processes.get('kube-controller-manager')?.stop();
    await processes.get('kube-scheduler')?.stop();
    await kubectl(['delete', 'pods', '--all', '--all-namespaces', '--grace-period=1', '--timeout=90s']);
  }
  await processes.get('kube-proxy')?.stop();
  await processes.get('kubelet')?.stop();
  if (running('containerd')) await removeLeftoverContainers(ctr);
  for (const component of STOP_ORDER) await processes.get(component)?.stop();
  await unmountUnder(paths.dir);
  await waitFor(
    `removing cgroup ${paths.cgroupRoot}`,
    async () => {
      removeCgroupRoot(paths.cgroupRoot);
      return true;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  removeContainerLogLinks(paths.podLogsDir);
  await netns.remove();
};

/** Whatever the kubelet did not stop (it was killed, or a pod would not go): killed through containerd. */
const removeLeftoverContainers = async (ctr: StopContext['ctr']) => {
  const tasks = (await ctr(['tasks', 'list', '--quiet'])).stdout.split('\n').filter(Boolean);
  for (const id of tasks) await ctr(['tasks', 'kill', '--signal', 'SIGKILL', id]);
  for (const id of tasks) await ctr(['tasks', 'delete', '--force', id]);
  const containers = (await ctr(['containers', 'list', '--quiet'])).stdout.split('\n').filter(Boolean);
  for (const id of containers) await ctr(['containers', 'delete', id]);
};

export const nodeDirsLeft = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);
