// tls-secret-in-use for the references outside the listeners: a Gateway's spec.tls CA bundles and
// backend client certificate, a BackendTLSPolicy's CA bundles. DELETE and UPDATE of the ConfigMap
// or Secret they use, the exemptions, and what is not protected. Messages verbatim.
import t from 'tap';
import { ManifestView } from '../../cluster/manifest-view.ts';
import { buildCertificate, generateRsaKeyPair } from '../../certs/x509.ts';
import type { KubeObject } from '../../kube/object.ts';
import { messageProblems } from '../../../test/helpers/message-rules.ts';
import { makePki, NOW } from '../../../test/helpers/gateway-tls.ts';
import { withoutDeadline, type PolicyRequest, type PolicyResult } from '../types.ts';
import { createTlsSecretInUsePolicy } from './policy.ts';
import type { InUseDeletionReason } from './system-users.ts';

const pki = await makePki();

const selfSignedCa = async (commonName: string, notBefore: Date, notAfter: Date): Promise<string> => {
  const keys = await generateRsaKeyPair();
  return buildCertificate({ commonName, isCA: true, notBefore, notAfter, publicKeyPem: keys.publicKeyPem, selfSigningKeyPem: keys.privateKeyPem });
};

const [clientCa, nextCa] = await Promise.all([
  selfSignedCa('Client CA', new Date('2026-01-01T00:00:00Z'), new Date('2036-01-01T00:00:00Z')),
  selfSignedCa('Next client CA', new Date('2026-06-01T00:00:00Z'), new Date('2036-06-01T00:00:00Z')),
]);

const caRef = (name: string, options: { kind?: string; namespace?: string } = {}) => ({ group: '', kind: options.kind ?? 'ConfigMap', name, ...options });

/** traefik/web: client CA bundles (default and port 8443), a backend client certificate, an HTTPS listener. */
const WEB: KubeObject = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { namespace: 'traefik', name: 'web' },
  spec: {
    gatewayClassName: 'traefik',
    listeners: [{ name: 'websecure-app', port: 443, protocol: 'HTTPS', hostname: 'app.example.com', tls: { certificateRefs: [{ name: 'app-tls' }] } }],
    tls: {
      frontend: {
        default: {
          validation: { caCertificateRefs: [caRef('client-ca'), caRef('shared-ca', { namespace: 'certs' }), caRef('secret-ca', { kind: 'Secret' })] },
        },
        perPort: [{ port: 8443, tls: { validation: { caCertificateRefs: [caRef('client-ca')] } } }],
      },
      backend: { clientCertificateRef: { name: 'app-tls' } },
    },
  },
};

const API_TLS: KubeObject = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'BackendTLSPolicy',
  metadata: { namespace: 'traefik', name: 'api-tls' },
  spec: { targetRefs: [{ group: '', kind: 'Service', name: 'api' }], validation: { caCertificateRefs: [caRef('client-ca')], hostname: 'api.internal' } },
};

const configMap = (name: string, data: Record<string, string>, annotations?: Record<string, string>, namespace = 'traefik'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { namespace, name, ...(annotations ? { annotations } : {}) },
  data,
});

const tlsSecret = (name: string, pem: { crt: string; key: string }, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/tls',
  metadata: { namespace: 'traefik', name, ...(annotations ? { annotations } : {}) },
  data: { 'tls.crt': Buffer.from(pem.crt).toString('base64'), 'tls.key': Buffer.from(pem.key).toString('base64') },
});

type RequestOptions = { user?: string; oldObject?: KubeObject };

const requestOf = (operation: 'DELETE' | 'UPDATE' | 'CREATE', object: KubeObject, options: RequestOptions = {}): PolicyRequest => ({
  operation,
  kind: { group: '', version: 'v1', kind: object.kind ?? '' },
  namespace: object.metadata?.namespace,
  name: object.metadata?.name,
  ...(operation === 'DELETE' ? { oldObject: object } : { object, oldObject: options.oldObject }),
  dryRun: false,
  userInfo: { username: options.user ?? 'jane@example.com' },
});

const deleteOf = (object: KubeObject, user?: string) => requestOf('DELETE', object, { user });
const updateOf = (oldObject: KubeObject, object: KubeObject) => requestOf('UPDATE', object, { oldObject });

const REASON_GOES = "(the reason goes to certguard's decision log and the audit log).";
const DEFAULT_FIELD = 'Gateway traefik/web spec.tls.frontend.default.validation.caCertificateRefs[0] (client CA bundle)';
const PORT_FIELD = 'Gateway traefik/web spec.tls.frontend.perPort[0].tls.validation.caCertificateRefs[0] (client CA bundle)';
const POLICY_FIELD = 'BackendTLSPolicy traefik/api-tls spec.validation.caCertificateRefs[0] (backend CA bundle)';
const CLIENT_CA_USES = `configmap "traefik/client-ca" is referenced by 3 TLS fields: ${DEFAULT_FIELD}, ${PORT_FIELD}, ${POLICY_FIELD}`;
const CLIENT_CA_DENIAL =
  `${CLIENT_CA_USES}. Without it those fields do not resolve. Remove or change the fields first, or delete it anyway after ` +
  `"kubectl annotate configmap client-ca -n traefik certguard.io/allow-delete='<reason>'" ${REASON_GOES}`;
const APP_TLS_USES =
  'secret "traefik/app-tls" is the certificate of a TLS listener: Gateway traefik/web listener "websecure-app" (hostname app.example.com), ' +
  'and is referenced by a TLS field: Gateway traefik/web spec.tls.backend.clientCertificateRef (backend client certificate)';
const NO_CA_PLACEHOLDER = 'certguard creates no placeholder for a CA bundle: a self-signed stand-in would make mTLS accept or reject the wrong clients';

type Case = {
  name: string;
  objects?: KubeObject[];
  request: PolicyRequest;
  caKinds?: string[];
  violations?: string[];
  warnings?: string[];
  audit?: Record<string, string>;
  counted?: InUseDeletionReason[];
};

const goodBundle = configMap('client-ca', { 'ca.crt': clientCa });

const cases: Case[] = [
  {
    name: 'denies deleting a CA ConfigMap, naming every Gateway and BackendTLSPolicy field that uses it',
    request: deleteOf(goodBundle),
    violations: [CLIENT_CA_DENIAL],
  },
  {
    name: 'allows deleting a ConfigMap nothing references',
    request: deleteOf(configMap('kube-root-ca.crt', { 'ca.crt': clientCa })),
  },
  {
    name: 'allows deleting a ConfigMap in another namespace that no ReferenceGrant lets the Gateway use (the ref already fails)',
    request: deleteOf(configMap('shared-ca', { 'ca.crt': clientCa }, undefined, 'certs')),
  },
  {
    name: 'denies deleting a cross-namespace CA ConfigMap a ReferenceGrant permits',
    objects: [
      {
        apiVersion: 'gateway.networking.k8s.io/v1beta1',
        kind: 'ReferenceGrant',
        metadata: { namespace: 'certs', name: 'from-traefik' },
        spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'traefik' }], to: [{ group: '', kind: 'ConfigMap' }] },
      },
    ],
    request: deleteOf(configMap('shared-ca', { 'ca.crt': clientCa }, undefined, 'certs')),
    violations: [
      'configmap "certs/shared-ca" is referenced by a TLS field: Gateway traefik/web spec.tls.frontend.default.validation.caCertificateRefs[1] (client CA bundle). ' +
        'Without it that field does not resolve. Remove or change the field first, or delete it anyway after ' +
        `"kubectl annotate configmap shared-ca -n certs certguard.io/allow-delete='<reason>'" ${REASON_GOES}`,
    ],
  },
  {
    name: 'allows deleting a Secret CA bundle while the controller reads CA bundles from ConfigMaps only (the ref already fails)',
    request: deleteOf(tlsSecret('secret-ca', pki.valid)),
  },
  {
    name: 'denies deleting a Secret CA bundle when caCertificateRefKinds lists Secret',
    caKinds: ['ConfigMap', 'Secret'],
    request: deleteOf(tlsSecret('secret-ca', pki.valid)),
    violations: [
      'secret "traefik/secret-ca" is referenced by a TLS field: Gateway traefik/web spec.tls.frontend.default.validation.caCertificateRefs[2] (client CA bundle). ' +
        'Without it that field does not resolve. Remove or change the field first, or delete it anyway after ' +
        `"kubectl annotate secret secret-ca -n traefik certguard.io/allow-delete='<reason>'" ${REASON_GOES}`,
    ],
  },
  {
    name: 'denies deleting a Secret that is both a listener certificate and the backend client certificate, naming both',
    request: deleteOf(tlsSecret('app-tls', pki.valid)),
    violations: [
      `${APP_TLS_USES}. Without it that listener has no certificate to serve and that field does not resolve. Remove or change the listener and the field first, ` +
        `or delete it anyway after "kubectl annotate secret app-tls -n traefik certguard.io/allow-delete='<reason>'" ${REASON_GOES}`,
    ],
  },
  {
    name: 'allows the garbage collector to delete a CA ConfigMap in use, with the fields in the audit annotation, and counts it',
    request: deleteOf(goodBundle, 'system:serviceaccount:kube-system:generic-garbage-collector'),
    audit: { 'in-use-delete-allowed-by': 'garbage-collector', 'in-use-delete-listeners': `${DEFAULT_FIELD}, ${PORT_FIELD}, ${POLICY_FIELD}` },
    counted: ['garbage-collector'],
  },
  {
    name: 'allows any delete of a CA ConfigMap in a terminating namespace',
    objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'traefik', deletionTimestamp: '2026-11-29T18:00:00Z' } }],
    request: deleteOf(goodBundle),
    audit: { 'in-use-delete-allowed-by': 'namespace-deletion', 'in-use-delete-listeners': `${DEFAULT_FIELD}, ${PORT_FIELD}, ${POLICY_FIELD}` },
    counted: ['namespace-deletion'],
  },
  {
    name: 'break glass: a CA ConfigMap annotated with a reason is deleted with a warning',
    request: deleteOf(configMap('client-ca', { 'ca.crt': clientCa }, { 'certguard.io/allow-delete': 'mTLS moved to client-ca-2' })),
    warnings: [`${CLIENT_CA_USES}: deleted anyway (certguard.io/allow-delete: "mTLS moved to client-ca-2")`],
    audit: {
      'in-use-delete-allowed-by': 'break-glass',
      'in-use-delete-listeners': `${DEFAULT_FIELD}, ${PORT_FIELD}, ${POLICY_FIELD}`,
      'allow-delete-reason': 'mTLS moved to client-ca-2',
    },
    counted: ['break-glass'],
  },
  {
    name: 'denies an UPDATE that leaves the CA bundle with no CA certificate (a leaf only)',
    request: updateOf(goodBundle, configMap('client-ca', { 'ca.crt': pki.valid.crt })),
    violations: [
      `${CLIENT_CA_USES}. This update would make it unusable for those fields: data.ca.crt: none of the 1 certificates in "ca.crt" is a CA certificate (basicConstraints CA:TRUE). ` +
        `Fix: put the certificate of the CA that issues your clients' certificates, not a leaf, in "ca.crt", or remove or change the fields first, ` +
        `or update it anyway with the annotation certguard.io/allow-unusable='<reason>' on the updated ConfigMap ${REASON_GOES}`,
    ],
  },
  {
    name: 'denies an UPDATE that drops the ca.crt key',
    request: updateOf(goodBundle, configMap('client-ca', { 'bundle.pem': clientCa })),
    violations: [
      `${CLIENT_CA_USES}. This update would make it unusable for those fields: data.ca.crt: it has no "ca.crt" key. ` +
        `Fix: put the PEM certificates of the CAs that issue your clients' certificates in "ca.crt" (${NO_CA_PLACEHOLDER}), or remove or change the fields first, ` +
        `or update it anyway with the annotation certguard.io/allow-unusable='<reason>' on the updated ConfigMap ${REASON_GOES}`,
    ],
  },
  {
    name: 'allows a CA rotation: the bundle holds another valid CA',
    request: updateOf(goodBundle, configMap('client-ca', { 'ca.crt': `${clientCa}${nextCa}` })),
  },
  {
    name: 'allows an UPDATE that leaves the bundle unchanged (labels only) without judging it',
    request: updateOf(goodBundle, { ...goodBundle, metadata: { ...goodBundle.metadata, labels: { team: 'edge' } } }),
  },
  {
    name: 'allows an UPDATE of a bundle that was already unusable, with a warning: a fix is never blocked',
    request: updateOf(configMap('client-ca', { 'ca.crt': 'garbage' }), configMap('client-ca', { 'ca.crt': pki.valid.crt })),
    warnings: [
      `${CLIENT_CA_USES}: it is still unusable after this update: data.ca.crt: none of the 1 certificates in "ca.crt" is a CA certificate (basicConstraints CA:TRUE) ` +
        '(allowed: it was unusable before this update too, so that a fix is never blocked)',
    ],
  },
  {
    name: 'break glass on UPDATE: certguard.io/allow-unusable on the updated ConfigMap lets it through with a warning',
    request: updateOf(goodBundle, configMap('client-ca', { 'ca.crt': pki.valid.crt }, { 'certguard.io/allow-unusable': 'new CA follows' })),
    warnings: [
      `${CLIENT_CA_USES}: updated anyway to unusable content: data.ca.crt: none of the 1 certificates in "ca.crt" is a CA certificate (basicConstraints CA:TRUE) ` +
        '(certguard.io/allow-unusable: "new CA follows")',
    ],
    audit: { 'allow-unusable-reason': 'new CA follows' },
  },
  {
    name: 'allows any UPDATE of a ConfigMap nothing references',
    request: updateOf(configMap('other', { 'ca.crt': clientCa }), configMap('other', { 'ca.crt': 'garbage' })),
  },
  {
    name: 'denies an UPDATE that breaks the backend client certificate (key mismatch), naming the listener and the field',
    request: updateOf(tlsSecret('app-tls', pki.valid), tlsSecret('app-tls', { crt: pki.valid.crt, key: pki.other.key })),
    violations: [
      `${APP_TLS_USES}. This update would make it unusable for that listener and that field: data.tls.key: "tls.key" does not match the certificate in "tls.crt". ` +
        'Fix: put the private key that belongs to the certificate in "tls.key", or reissue both together, or remove or change the listener and the field first, ' +
        `or update it anyway with the annotation certguard.io/allow-unusable='<reason>' on the updated Secret ${REASON_GOES}`,
    ],
  },
];

const run = async (c: Case): Promise<{ result: PolicyResult; counted: InUseDeletionReason[] }> => {
  const view = new ManifestView([WEB, API_TLS, ...(c.objects ?? [])]);
  const counted: InUseDeletionReason[] = [];
  const policy = createTlsSecretInUsePolicy(
    { mode: 'enforce' },
    { recordAllowedDeletion: (reason) => counted.push(reason), now: () => NOW, ...(c.caKinds ? { caCertificateRefKinds: c.caKinds } : {}) },
  );
  return { result: await policy.check(c.request, view, withoutDeadline()), counted };
};

for (const c of cases) {
  t.test(c.name, async (t) => {
    const { result, counted } = await run(c);
    t.same(result.violations, c.violations ?? [], 'violations');
    t.same(result.warnings, c.warnings ?? [], 'warnings');
    t.same(result.auditAnnotations, c.audit, 'audit annotations');
    t.same(counted, c.counted ?? [], 'certguard_in_use_deletions_total');
    t.same([...result.violations, ...result.warnings].flatMap(messageProblems), [], 'every message follows the message rules');
  });
}

t.test('selects DELETE and UPDATE of core ConfigMaps, never CREATE', async (t) => {
  const policy = createTlsSecretInUsePolicy({ mode: 'enforce' });
  t.ok(policy.matches(deleteOf(goodBundle)), 'DELETE');
  t.ok(policy.matches(updateOf(goodBundle, goodBundle)), 'UPDATE');
  t.notOk(policy.matches(requestOf('CREATE', goodBundle)), 'CREATE');
  t.notOk(policy.matches({ ...deleteOf(goodBundle), kind: { group: 'example.com', version: 'v1', kind: 'ConfigMap' } }), 'a ConfigMap kind of another group');
});

t.test('a removed BackendTLSPolicy and Gateway stop protecting the ConfigMap', async (t) => {
  const view = new ManifestView([WEB, API_TLS]);
  const policy = createTlsSecretInUsePolicy({ mode: 'enforce' });
  view.remove('gateways', 'traefik', 'web');
  t.same(
    (await policy.check(deleteOf(goodBundle), view, withoutDeadline())).violations,
    [
      `configmap "traefik/client-ca" is referenced by a TLS field: ${POLICY_FIELD}. Without it that field does not resolve. Remove or change the field first, ` +
        `or delete it anyway after "kubectl annotate configmap client-ca -n traefik certguard.io/allow-delete='<reason>'" ${REASON_GOES}`,
    ],
    'the BackendTLSPolicy alone',
  );
  view.remove('backendtlspolicies', 'traefik', 'api-tls');
  t.same(await policy.check(deleteOf(goodBundle), view, withoutDeadline()), { violations: [], warnings: [] }, 'nothing uses it');
});

t.test('allows with a warning while the BackendTLSPolicy cache is not synced', async (t) => {
  const view = new ManifestView([WEB, API_TLS], { unsynced: ['backendtlspolicies'] });
  const result = await createTlsSecretInUsePolicy({ mode: 'enforce' }).check(deleteOf(goodBundle), view, withoutDeadline());
  t.same(result, {
    violations: [],
    warnings: [
      'configmap "traefik/client-ca" was not checked for TLS fields that use it: certguard\'s BackendTLSPolicy cache is not synced yet, so the delete is allowed',
    ],
  });
});
