// Configuration files and command lines of the in-cluster control plane and its node
// (node-cluster.ts): everything runs inside the node's network namespace, so the ports are the
// usual ones and never collide with another test's.
import { join } from 'node:path';
import { stringify } from 'yaml';

export const NODE_NAME = 'certguard-node';
export const API_PORT = 6443;
/** Services; the kubernetes Service is its first address (the API server's serving SAN). */
export const SERVICE_CIDR = '10.0.0.0/24';
export const KUBERNETES_SERVICE_IP = '10.0.0.1';
/** Pods, on the CNI bridge inside the node's namespace. */
export const POD_CIDR = '10.244.0.0/24';

export type NodePaths = { dir: string; pki: string; containerdSocket: string; cgroupRoot: string; podLogsDir: string; kubeletRoot: string };

export const nodePaths = (dir: string): NodePaths => ({
  dir,
  pki: join(dir, 'pki'),
  containerdSocket: join(dir, 'containerd', 'containerd.sock'),
  // Our own cgroup root: a second node test on the machine gets its own, and removing it cannot
  // touch anyone else's pods.
  cgroupRoot: `/certguard-e2e-${process.pid}-${dir.slice(-6)}`,
  podLogsDir: join(dir, 'pod-logs'),
  kubeletRoot: join(dir, 'kubelet'),
});

export const etcdArgs = (dir: string): string[] => [
  '--name=node',
  `--data-dir=${join(dir, 'etcd')}`,
  '--listen-client-urls=http://127.0.0.1:2379',
  '--advertise-client-urls=http://127.0.0.1:2379',
  '--listen-peer-urls=http://127.0.0.1:2380',
  '--initial-advertise-peer-urls=http://127.0.0.1:2380',
  '--initial-cluster=node=http://127.0.0.1:2380',
  '--unsafe-no-fsync',
  '--log-level=warn',
];

export const apiServerArgs = (paths: NodePaths, nodeAddress: string): string[] => {
  const pki = (name: string) => join(paths.pki, name);
  return [
    '--bind-address=0.0.0.0',
    `--advertise-address=${nodeAddress}`,
    `--secure-port=${API_PORT}`,
    '--etcd-servers=http://127.0.0.1:2379',
    `--tls-cert-file=${pki('apiserver.crt')}`,
    `--tls-private-key-file=${pki('apiserver.key')}`,
    `--client-ca-file=${pki('ca.crt')}`,
    `--token-auth-file=${pki('tokens.csv')}`,
    // As kubeadm sets it up: the node authorizer and NodeRestriction for the kubelet's identity.
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${pki('sa.pub')}`,
    `--service-account-signing-key-file=${pki('sa.key')}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--allow-privileged=true',
    // logs, exec and port-forward: the API server calls the kubelet with a client certificate.
    `--kubelet-client-certificate=${pki('apiserver-kubelet-client.crt')}`,
    `--kubelet-client-key=${pki('apiserver-kubelet-client.key')}`,
    `--kubelet-certificate-authority=${pki('ca.crt')}`,
    '--kubelet-preferred-address-types=InternalIP,Hostname',
    `--cert-dir=${paths.pki}`,
    '--profiling=false',
  ];
};

export const controllerManagerArgs = (paths: NodePaths, kubeconfig: string): string[] => [
  `--kubeconfig=${kubeconfig}`,
  '--leader-elect=false',
  '--controllers=*',
  // As every real cluster runs it: each controller acts as its own ServiceAccount in kube-system.
  '--use-service-account-credentials',
  `--service-account-private-key-file=${join(paths.pki, 'sa.key')}`,
  `--root-ca-file=${join(paths.pki, 'ca.crt')}`,
  `--cluster-signing-cert-file=${join(paths.pki, 'ca.crt')}`,
  `--cluster-signing-key-file=${join(paths.pki, 'ca.key')}`,
  `--service-cluster-ip-range=${SERVICE_CIDR}`,
  '--bind-address=127.0.0.1',
  `--cert-dir=${join(paths.dir, 'kcm-pki')}`,
  '--profiling=false',
];

export const schedulerArgs = (paths: NodePaths, kubeconfig: string): string[] => [
  `--kubeconfig=${kubeconfig}`,
  `--authentication-kubeconfig=${kubeconfig}`,
  `--authorization-kubeconfig=${kubeconfig}`,
  '--leader-elect=false',
  '--bind-address=127.0.0.1',
  `--cert-dir=${join(paths.dir, 'scheduler-pki')}`,
  '--profiling=false',
];

/** containerd 1.6 (Debian's), its CRI plugin with the local pause image and CNI inside the node. */
export const containerdConfig = (paths: NodePaths, pauseImage: string): string => {
  const root = join(paths.dir, 'containerd');
  return `version = 2
root = "${join(root, 'root')}"
state = "${join(root, 'state')}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "${paths.containerdSocket}"

[ttrpc]
  address = "${paths.containerdSocket}.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "${join(root, 'opt')}"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${pauseImage}"
  # The VM's root lacks CAP_SYS_RESOURCE: runc cannot lower a container's oom_score_adj below its own.
  restrict_oom_score_adj = true
  # Sandbox network namespaces under our state dir, not /run/netns.
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "${join(root, 'runc')}"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${join(paths.dir, 'cni')}"
`;
};

/** A bridge on a private subnet inside the node's namespace; host-local keeps its leases with us. */
export const cniConfig = (paths: NodePaths): string =>
  JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'certguard-e2e',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cni0',
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: POD_CIDR }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(paths.dir, 'cni-ipam') },
        },
      ],
    },
    null,
    2,
  );

export const kubeletConfig = (paths: NodePaths, nodeAddress: string): string =>
  stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // cgroup v1 here: refused by default since 1.35 (KEP-5573); containerd 1.6 cannot tell the
    // kubelet its cgroup driver, so it is named (the fallback lasts until 1.38).
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    cgroupsPerQOS: true,
    cgroupRoot: paths.cgroupRoot,
    containerRuntimeEndpoint: `unix://${paths.containerdSocket}`,
    address: nodeAddress,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    tlsCertFile: join(paths.pki, 'kubelet.crt'),
    tlsPrivateKeyFile: join(paths.pki, 'kubelet.key'),
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: join(paths.pki, 'ca.crt') } },
    authorization: { mode: 'Webhook' },
    podLogsDir: paths.podLogsDir,
    volumePluginDir: join(paths.dir, 'volume-plugins'),
    failSwapOn: false,
    // The kubelet may rewrite host sysctls (restored by host-state.ts), never refuse the defaults.
    protectKernelDefaults: false,
    // The images were imported, not pulled: never garbage-collect them, never evict for a full disk.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '1Mi', 'nodefs.available': '0%', 'nodefs.inodesFree': '0%', 'imagefs.available': '0%' },
    serializeImagePulls: false,
    syncFrequency: '10s',
  });

export const kubeProxyConfig = (kubeconfig: string, nodeAddress: string): string =>
  stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig },
    mode: 'iptables',
    hostnameOverride: NODE_NAME,
    bindAddress: nodeAddress,
    clusterCIDR: POD_CIDR,
    healthzBindAddress: '127.0.0.1:10256',
    metricsBindAddress: '127.0.0.1:10249',
    // 0: leave the host-wide conntrack limits and timeouts as they are.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  });
