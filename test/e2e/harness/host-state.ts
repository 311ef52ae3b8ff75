// What a node test changes on the host outside its own temp dir, and how it is put back. The node
// runs in a network namespace of its own (`createNetns`): its iptables chains, CNI bridge, routes
// and net.* sysctls live and die with that namespace. What cannot be namespaced is restored here:
//   - the kernel sysctls the kubelet rewrites on every start (`KERNEL_SYSCTLS`, kubelet's
//     setupKernelTunables), saved once by the first node test and restored by the last one, so
//     two node tests running at once never "restore" each other's kubelet values;
//   - mounts under the test's temp dir (kubelet's root-dir bind mount, pod volumes, container
//     root filesystems, sandbox network namespaces), unmounted deepest first;
//   - the kubelet's cgroup root in every cgroup v1 hierarchy, removed bottom-up;
//   - /var/log/containers links the kubelet made to its pod logs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, run } from './processes.ts';

export const KERNEL_SYSCTLS = [
  'vm.overcommit_memory',
  'vm.panic_on_oom',
  'kernel.panic',
  'kernel.panic_on_oops',
  'kernel.keys.root_maxkeys',
  'kernel.keys.root_maxbytes',
];

const SYSCTL_DIR = '/run/certguard-e2e-node-sysctls';
const sysctlPath = (name: string) => join('/proc/sys', ...name.split('.'));

const liveHolders = (): number[] =>
  readdirSync(SYSCTL_DIR)
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => isAlive(pid));

/** Records the kernel sysctls before this process's kubelet starts (unless another node test already did). */
export const holdKernelSysctls = (): void => {
  mkdirSync(SYSCTL_DIR, { recursive: true });
  const saved = join(SYSCTL_DIR, 'original.json');
  // Holders that died without restoring leave the original values behind: they are still the right ones.
  if (!existsSync(saved) || liveHolders().length === 0) {
    const values = Object.fromEntries(KERNEL_SYSCTLS.map((name) => [name, readFileSync(sysctlPath(name), 'utf8').trim()]));
    if (!existsSync(saved)) writeFileSync(saved, JSON.stringify(values));
  }
  writeFileSync(join(SYSCTL_DIR, String(process.pid)), '');
};

/** Restores the recorded sysctls once no other live node test holds them. Returns what it wrote. */
export const releaseKernelSysctls = (): Record<string, string> => {
  rmSync(join(SYSCTL_DIR, String(process.pid)), { force: true });
  const saved = join(SYSCTL_DIR, 'original.json');
  if (!existsSync(saved) || liveHolders().length > 0) return {};
  const values = JSON.parse(readFileSync(saved, 'utf8')) as Record<string, string>;
  for (const [name, value] of Object.entries(values)) writeFileSync(sysctlPath(name), value);
  rmSync(SYSCTL_DIR, { recursive: true, force: true });
  return values;
};

/** Every mount point at or under `dir`, deepest first. */
export const mountsUnder = (dir: string): string[] =>
  readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((point): point is string => point !== undefined && (point === dir || point.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);

export const unmountUnder = async (dir: string): Promise<void> => {
  for (let round = 0; round < 3 && mountsUnder(dir).length > 0; round++) {
    for (const point of mountsUnder(dir)) await run('umount', ['-l', point]);
  }
  const left = mountsUnder(dir);
  if (left.length > 0) throw new Error(`could not unmount ${left.join(', ')}`);
};

const removeCgroupTree = (path: string): void => {
  if (!existsSync(path)) return;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroupTree(join(path, entry.name));
  }
  rmdirSync(path);
};

/** Creates `root` in every cgroup hierarchy (the kubelet refuses a cgroupRoot that is missing in one). */
export const createCgroupRoot = (root: string): void => {
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const parent = join('/sys/fs/cgroup', hierarchy);
    if (!statSync(parent).isDirectory()) continue;
    mkdirSync(join(parent, root), { recursive: true });
    // A new cpuset cgroup starts with no CPUs and no memory nodes: give it its parent's.
    if (hierarchy === 'cpuset') {
      for (const file of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(join(parent, root, file), readFileSync(join(parent, file)));
    }
  }
};

/** Removes `root` (e.g. /certguard-e2e-123) from every cgroup v1 hierarchy; its tasks must be gone. */
export const removeCgroupRoot = (root: string): void => {
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const path = join('/sys/fs/cgroup', hierarchy, root);
    if (existsSync(path) && statSync(path).isDirectory()) removeCgroupTree(path);
  }
};

const CONTAINER_LOG_LINKS = '/var/log/containers';

/** The kubelet links /var/log/containers/<pod>_<ns>_<container>-<id>.log to its pod log dir. */
export const removeContainerLogLinks = (podLogsDir: string): void => {
  if (!existsSync(CONTAINER_LOG_LINKS)) return;
  for (const name of readdirSync(CONTAINER_LOG_LINKS)) {
    const link = join(CONTAINER_LOG_LINKS, name);
    try {
      if (readlinkSync(link).startsWith(`${podLogsDir}/`)) unlinkSync(link);
    } catch {
      // not a link, or gone meanwhile
    }
  }
};

export type Netns = { name: string; path: string; hostAddress: string; nodeAddress: string; remove(): Promise<void> };

const ip = async (args: string[]): Promise<string> => {
  const result = await run('ip', args);
  if (result.code !== 0) throw new Error(`ip ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
};

/** A /30 in 100.64.0.0/10 (shared address space) that no host route covers yet. */
const pickSubnet = async (): Promise<[string, string]> => {
  const routes = await ip(['-4', 'route', 'show', 'table', 'all']);
  for (;;) {
    const second = 64 + Math.floor(Math.random() * 64);
    const third = Math.floor(Math.random() * 256);
    const fourth = 4 * Math.floor(Math.random() * 64);
    const prefix = `100.${second}.${third}.`;
    if (!routes.includes(`100.${second}.${third}.${fourth}/30`)) return [`${prefix}${fourth + 1}`, `${prefix}${fourth + 2}`];
  }
};

/**
 * A network namespace for one node, linked to the host by a veth pair on a private /30: the host
 * end (hostAddress) lets the test reach the API server at nodeAddress. Deleting the namespace
 * deletes both veth ends, the CNI bridge and every iptables rule made inside it.
 */
export const createNetns = async (tag: string): Promise<Netns> => {
  const name = `certguard-e2e-${process.pid}-${tag}`;
  const hostLink = `cg${process.pid % 100_000}${tag.slice(0, 4)}`.slice(0, 15);
  const [hostAddress, nodeAddress] = await pickSubnet();
  await ip(['netns', 'add', name]);
  const remove = async () => {
    await run('ip', ['netns', 'delete', name]);
    await run('ip', ['link', 'delete', hostLink]);
  };
  try {
    await ip(['link', 'add', hostLink, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name]);
    await ip(['addr', 'add', `${hostAddress}/30`, 'dev', hostLink]);
    await ip(['link', 'set', hostLink, 'up']);
    await ip(['-n', name, 'addr', 'add', `${nodeAddress}/30`, 'dev', 'eth0']);
    await ip(['-n', name, 'link', 'set', 'eth0', 'up']);
    await ip(['-n', name, 'link', 'set', 'lo', 'up']);
    // The node's default route: the kubelet and kube-proxy pick their node IP from it.
    await ip(['-n', name, 'route', 'add', 'default', 'via', hostAddress]);
  } catch (error) {
    await remove();
    throw error;
  }
  return { name, path: `/run/netns/${name}`, hostAddress, nodeAddress, remove };
};

const STALE_DIR = /^certguard-e2e-(\d+)-node-/;

/** Processes whose command line mentions `dir` (containerd shims and containers of a killed node). */
const processesUsing = (dir: string): number[] =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
      } catch {
        return false;
      }
    });

/**
 * What a node test killed outright (tap's timeout, SIGKILL) left behind: its shims, mounts, cgroup
 * root and network namespace, found by the dead test's pid. Runs before a node test starts, so
 * the temp-dir sweep never meets a mounted dir.
 */
export const sweepStaleNodes = async (tmp: string): Promise<void> => {
  for (const name of readdirSync(tmp)) {
    const pid = Number(STALE_DIR.exec(name)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    const dir = join(tmp, name);
    for (const stale of processesUsing(dir)) process.kill(stale, 'SIGKILL');
    await unmountUnder(dir);
    removeCgroupRoot(`/certguard-e2e-${pid}-${name.slice(-6)}`);
    removeContainerLogLinks(join(dir, 'pod-logs'));
    rmSync(dir, { recursive: true, force: true });
  }
  const namespaces = (await run('ip', ['netns', 'list'])).stdout.split('\n').map((line) => line.split(' ')[0] ?? '');
  for (const netns of namespaces) {
    const pid = Number(/^certguard-e2e-(\d+)-/.exec(netns)?.[1] ?? NaN);
    if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)) await run('ip', ['netns', 'delete', netns]);
  }
  if (existsSync(SYSCTL_DIR) && liveHolders().length === 0) releaseKernelSysctls();
};

// Directories containerd (shim sockets) and the kubelet (log links) create on the host.
const HOST_DIRS = ['/run/containerd/s', '/run/containerd', '/var/log/containers'];

/** Notes which of HOST_DIRS are absent now; the returned function removes those that appeared and are empty. */
export const noteHostDirs = (): (() => void) => {
  const absent = HOST_DIRS.filter((dir) => !existsSync(dir));
  // `ip netns add` makes /run/netns a mount point of its own the first time; undone once unused.
  const netnsMounted = mountsUnder('/run/netns').includes('/run/netns');
  return () => {
    if (!netnsMounted && existsSync('/run/netns') && readdirSync('/run/netns').length === 0) spawnSync('umount', ['/run/netns']);
    for (const dir of absent) {
      try {
        rmdirSync(dir);
      } catch {
        // not empty (another node test is using it) or already gone
      }
    }
  };
};
