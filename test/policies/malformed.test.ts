// Objects that reach the webhook before the API server validates them (the mutating phase, or a
// manifest given to `certguard check`) may be any JSON: every policy reads a malformed field as
// absent and answers, never a TypeError turned into "internal error".
import t from 'tap';
import { checkBundle } from '../../src/cli/check.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { KubeObject } from '../../src/kube/object.ts';

const GATEWAY_API = 'gateway.networking.k8s.io/v1';
const SHIM = { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' };

const cases: Array<{ name: string; object: KubeObject }> = [
  {
    name: 'a Gateway whose listeners hold null and a string',
    object: {
      apiVersion: GATEWAY_API,
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'a', annotations: SHIM },
      spec: { listeners: [null, 'https', { name: 'x', protocol: 'HTTPS', hostname: 'x.example.com', tls: { certificateRefs: [null, 7] } }] },
    },
  },
  {
    name: 'a Gateway whose listeners are not a list',
    object: { apiVersion: GATEWAY_API, kind: 'Gateway', metadata: { name: 'gw', namespace: 'a', annotations: SHIM }, spec: { listeners: 'https' } },
  },
  {
    name: 'a Gateway whose annotations are a string',
    object: {
      apiVersion: GATEWAY_API,
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'a', annotations: 'cert-manager.io/cluster-issuer=x' } as never,
      spec: null,
    },
  },
  {
    name: 'a ListenerSet whose parentRef is a string',
    object: {
      apiVersion: GATEWAY_API,
      kind: 'ListenerSet',
      metadata: { name: 'ls', namespace: 'a' },
      spec: { parentRef: 'gw', listeners: [{ name: 'x', protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'x-tls' }] } }] },
    },
  },
  {
    name: 'an Ingress whose tls entries are null',
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'in', namespace: 'a', annotations: SHIM },
      spec: { tls: [null, { hosts: 'x.example.com', secretName: 3 }] },
    },
  },
  {
    name: 'a Certificate whose issuerRef is a string',
    object: {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'c', namespace: 'a' },
      spec: { issuerRef: 'letsencrypt', dnsNames: [null, 'x.example.com'] },
    },
  },
  {
    name: 'a solver HTTPRoute whose ownerReferences are a string',
    object: {
      apiVersion: GATEWAY_API,
      kind: 'HTTPRoute',
      metadata: { name: 'r', namespace: 'a', labels: { 'acme.cert-manager.io/http01-solver': 'true' }, ownerReferences: 'challenge' } as never,
    },
  },
];

// No issuer is in the bundle, so certificate-dns looks nothing up; the resolver is a loopback port
// anyway, so a mistake here cannot reach the network. checkBundle throws on an errored review.
const config = parseConfig({ policies: { 'certificate-dns': { resolvers: ['127.0.0.1:9'], lookupTimeoutMs: 50 } } });

for (const { name, object } of cases) {
  t.test(`every policy answers ${name}`, async (t) => {
    const verdicts = await checkBundle([object], [], config);
    t.equal(verdicts.length, 1);
    t.notMatch(JSON.stringify(verdicts), /internal error|TypeError|Cannot read/, 'no policy failed');
  });
}
