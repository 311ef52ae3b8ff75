// Traefik v3 as a local process, its Kubernetes Gateway API provider watching the test cluster
// (out of cluster: endpoint, token file, CA file), with an HTTPS and an HTTP entry point on free
// 127.0.0.1 ports. Gateway listeners must use those ports (Traefik maps a listener to the entry
// point whose address has the listener's port).
//
//   const traefik = await startTraefik(cluster);
//   t.teardown(() => traefik.stop());
//   gateway listener: { protocol: 'HTTPS', port: traefik.websecurePort, ... }, gatewayClassName: 'traefik'
//   const served = await traefik.servedCertificate('app.example.com');   // TLS handshake by SNI
//
// startTraefik(cluster) → Traefik:
//   websecurePort         the HTTPS entry point's port (and the HTTPS Gateway listeners' port)
//   webPort               the HTTP entry point's port (HTTP listeners, where HTTP-01 arrives)
//   gatewayClass          a GatewayClass object for controllerName traefik.io/gateway-controller
//   servedCertificate(sni) → X509Certificate presented to a handshake with that server name
//   logs(), stop()
// Resolves once /ping answers. EndpointSlices cannot hold loopback addresses, so no backend is
// reachable: scenarios judge Gateway status and TLS handshakes, not proxied requests.
//
// startTraefik(cluster, { node: { netnsPath, address } }) runs it inside a node cluster's network
// namespace instead, on <address>:80 and :443 as an ingress serves, where it reaches pods by their
// IPs (cert-manager's solver Pods) and the host reaches it over the namespace's veth.
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { ensureBinaries } from './binaries.ts';
import { withoutProxies, type Cluster } from './cluster.ts';
import { freePort, makeTempDir, retryOnPortClash, startProcess, stopOnce, tailOf, waitFor } from './processes.ts';

export const GATEWAY_CONTROLLER = 'traefik.io/gateway-controller';

export type Traefik = {
  /** Where the entry points listen: 127.0.0.1, or the node's address. */
  address: string;
  websecurePort: number;
  webPort: number;
  gatewayClass: Record<string, unknown>;
  servedCertificate(serverName: string): Promise<X509Certificate>;
  logs(): string;
  stop(): Promise<void>;
};

/**
 * node: inside a node cluster's network namespace, on the node's address. version 'v3.0': the
 * v3.0.x build, whose provider drops a whole Gateway for one unresolved listener; 'v3.6.6': the
 * version incident 000 ran; default: the suite's v3.6.12.
 */
export type TraefikOptions = { node?: { netnsPath: string; address: string }; version?: 'v3.0' | 'v3.6.6' };

const handshake = (host: string, port: number, servername: string): Promise<X509Certificate> =>
  new Promise((resolve, reject) => {
    // Only reading what is presented for this name: trust is not the question here.
    const socket = connect({ host, port, servername, rejectUnauthorized: false, timeout: 5_000 }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(new X509Certificate(raw));
    });
    socket.once('timeout', () => socket.destroy(new Error('TLS handshake timed out')));
    socket.once('error', reject);
  });

const startTraefikOnce = async (cluster: Cluster, options: TraefikOptions): Promise<Traefik> => {
  const binaries = await ensureBinaries();
  const traefik = { 'v3.0': binaries.traefikV30, 'v3.6.6': binaries.traefikV366, default: binaries.traefik }[options.version ?? 'default'];
  const address = options.node?.address ?? '127.0.0.1';
  const dir = makeTempDir('traefik');
  // Traefik reads the token from the file verbatim: a trailing newline would end up in the header.
  writeFileSync(join(dir, 'token'), cluster.token, { mode: 0o600 });
  writeFileSync(join(dir, 'ca.crt'), cluster.caPem);
  // The namespace is the test's own: the ingress ports are free there.
  const websecurePort = options.node ? 443 : await freePort();
  const webPort = options.node ? 80 : await freePort();
  const pingPort = await freePort();
  const logFile = join(dir, 'traefik.log');
  const args = [
    `--entrypoints.websecure.address=${address}:${websecurePort}`,
    `--entrypoints.web.address=${address}:${webPort}`,
    `--entrypoints.traefik.address=${address}:${pingPort}`,
    '--ping=true',
    '--providers.kubernetesgateway=true',
    // v3.0's provider is experimental: without this flag it is silently off.
    ...(options.version === 'v3.0' ? ['--experimental.kubernetesgateway=true'] : []),
    `--providers.kubernetesgateway.endpoint=${cluster.serverUrl}`,
    `--providers.kubernetesgateway.token=${join(dir, 'token')}`,
    `--providers.kubernetesgateway.certauthfilepath=${join(dir, 'ca.crt')}`,
    `--providers.kubernetesgateway.statusaddress.ip=${address}`,
    '--log.level=DEBUG',
    '--global.checknewversion=false',
    '--global.sendanonymoususage=false',
  ];
  const [command, commandArgs] = options.node ? ['nsenter', [`--net=${options.node.netnsPath}`, '--', traefik, ...args]] : [traefik, args];
  const child = startProcess(command, commandArgs, { logFile, env: withoutProxies(), cwd: dir });
  const stop = stopOnce(child, dir);
  await waitFor(
    'traefik /ping',
    async () => {
      const response = await fetch(`http://${address}:${pingPort}/ping`, { signal: AbortSignal.timeout(2_000) });
      return response.ok ? true : undefined;
    },
    {
      timeoutMs: 60_000,
      stopIf: () => (child.isRunning() ? undefined : `traefik exited:\n${tailOf(logFile)}`),
    },
  ).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return {
    address,
    websecurePort,
    webPort,
    gatewayClass: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'traefik' },
      spec: { controllerName: GATEWAY_CONTROLLER },
    },
    servedCertificate: (serverName) => handshake(address, websecurePort, serverName),
    logs: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    stop,
  };
};

// Its entry point needs a known port: a Gateway listener selects the entry point by port.
export const startTraefik = (cluster: Cluster, options: TraefikOptions = {}): Promise<Traefik> => retryOnPortClash(() => startTraefikOnce(cluster, options));
