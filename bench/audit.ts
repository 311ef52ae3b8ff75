// The audit's own cost at the scale: 2,000 Gateways (10 HTTPS listeners each, every Secret
// content-checked), 20,000 TLS Secrets, 100,000 solver HTTPRoutes over 500 namespaces and 10,000
// ACME Certificates, judged by runAudit over an in-memory view with a DNS stub that answers at
// once (DNS time is the resolvers', not certguard's). Measures wall time and the heap the audit
// adds. Not the live view's memory: that is bench/cluster-view.ts (the audit reuses that cache).
//   node --expose-gc bench/audit.ts          (sizes via env GATEWAYS, LISTENERS, ROUTES, CERTIFICATES)
import { runAudit, sourceOf } from '../src/audit/audit.ts';
import { buildAuditPolicies } from '../src/compose.ts';
import { buildCertificate, generateRsaKeyPair } from '../src/certs/x509.ts';
import { ManifestView } from '../src/cluster/manifest-view.ts';
import { parseConfig } from '../src/config/load.ts';
import type { NameResolver } from '../src/dns/resolver.ts';
import type { KubeObject } from '../src/kube/object.ts';
import { createLogger } from '../src/server/logger.ts';

const sizes = {
  gateways: Number(process.env.GATEWAYS ?? 2000),
  listeners: Number(process.env.LISTENERS ?? 10),
  routes: Number(process.env.ROUTES ?? 100_000),
  certificates: Number(process.env.CERTIFICATES ?? 10_000),
  namespaces: 500,
};
const INGRESS = '203.0.113.10';
const MIB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

const buildCluster = async (): Promise<KubeObject[]> => {
  const keys = await generateRsaKeyPair();
  const now = Date.now();
  const crt = buildCertificate({
    commonName: 'bench',
    dnsNames: ['bench.example.com'],
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 60 * 86_400_000),
    publicKeyPem: keys.publicKeyPem,
    selfSigningKeyPem: keys.privateKeyPem,
  });
  const data = { 'tls.crt': Buffer.from(crt).toString('base64'), 'tls.key': Buffer.from(keys.privateKeyPem).toString('base64') };
  const objects: KubeObject[] = [
    {
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      metadata: { name: 'le' },
      spec: {
        acme: { server: 'https://acme.example/dir', privateKeySecretRef: { name: 'le' }, solvers: [{ http01: { ingress: { ingressClassName: 'traefik' } } }] },
      },
    },
  ];
  const ns = (index: number) => `ns-${index % sizes.namespaces}`;
  for (let g = 0; g < sizes.gateways; g += 1) {
    const listeners = Array.from({ length: sizes.listeners }, (_, l) => ({
      name: `l${l}`,
      port: 443,
      protocol: 'HTTPS',
      hostname: `h${g}-${l}.example.com`,
      tls: { certificateRefs: [{ name: `s-${g}-${l}` }] },
    }));
    objects.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: `gw-${g}`, namespace: ns(g) },
      spec: { gatewayClassName: 'traefik', listeners },
    });
    for (let l = 0; l < sizes.listeners; l += 1)
      objects.push({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: `s-${g}-${l}`, namespace: ns(g) }, data });
  }
  for (let r = 0; r < sizes.routes; r += 1) {
    objects.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {
        name: `cm-acme-http-solver-${r}`,
        namespace: ns(r),
        labels: { 'acme.cert-manager.io/http01-solver': 'true' },
        ownerReferences: [{ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: `c-${r}` }],
      },
    });
  }
  for (let c = 0; c < sizes.certificates; c += 1) {
    objects.push({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: `cert-${c}`, namespace: ns(c) },
      spec: { secretName: `cert-${c}`, dnsNames: [`c${c}.example.com`], issuerRef: { name: 'le', kind: 'ClusterIssuer' } },
    });
  }
  return objects;
};

export const runAuditBench = async (): Promise<string> => {
  const objects = await buildCluster();
  const view = new ManifestView(objects);
  const config = parseConfig({
    policies: { 'certificate-dns': { ingress: { addresses: [INGRESS] } }, 'acme-solver-cap': { maxPerNamespace: 1000, maxClusterWide: 1_000_000 } },
  });
  // Every answer as if the shared cache held it (peek): the audit's DNS budget never waits here.
  const answer = { addresses: [INGRESS], cnames: [] };
  const resolver: NameResolver = {
    lookup: async () => answer,
    lookupCaa: async () => ({ records: [] }),
    describe: () => 'stub',
    peek: () => answer,
    peekCaa: () => ({ records: [] }),
  };
  const policies = buildAuditPolicies(config, { logger: createLogger('silent'), resolver });
  gc();
  const before = process.memoryUsage();
  const started = performance.now();
  const { findings } = await runAudit({ source: sourceOf(objects), view, config, policies, now: new Date() });
  const seconds = (performance.now() - started) / 1000;
  const after = process.memoryUsage();
  const judged = sizes.gateways + sizes.certificates;
  return [
    `${sizes.gateways} Gateways × ${sizes.listeners} listeners (${sizes.gateways * sizes.listeners} Secrets, content checked), ${sizes.routes} solver HTTPRoutes, ${sizes.certificates} Certificates, ${sizes.namespaces} namespaces; ${findings.length} findings`,
    '',
    '| audit wall time s | objects judged / s | heap before MiB | heap after MiB | RSS after MiB |',
    '|---:|---:|---:|---:|---:|',
    `| ${seconds.toFixed(1)} | ${Math.round(judged / seconds)} | ${(before.heapUsed / MIB).toFixed(0)} | ${(after.heapUsed / MIB).toFixed(0)} | ${(after.rss / MIB).toFixed(0)} |`,
  ].join('\n');
};

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${await runAuditBench()}\n`);
