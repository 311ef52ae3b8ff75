// The good/ and bad/ fixture bundles (see README.md "Fixtures"): every document but the last is
// cluster state, the last is the object under test, applied as a CREATE with default settings.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ManifestView, readManifests } from '../../cluster/manifest-view.ts';
import { createGatewayListenerTlsPolicy } from './policy.ts';
import { NOW, policyRequest, settingsWith } from './testing.ts';
import { withoutDeadline } from '../types.ts';

const folder = (name: string) => fileURLToPath(new URL(`./fixtures/${name}/`, import.meta.url));

const GW = 'the controller leaves this listener without a certificate, and Traefik and Contour then mark this Gateway not accepted or not programmed';
const TRAEFIK_APP = 'spec.listeners[0] "websecure-app" (Gateway traefik/traefik-gateway, hostname "app.example.com")';
const APP_PROD = 'spec.listeners[0] "websecure-app-prod" (Gateway traefik/traefik-gateway, hostname "app.example.com")';
const PROD_GRANT_FIX = 'Fix: create a ReferenceGrant in namespace "app-prod" with from {group: gateway.networking.k8s.io, kind: Gateway, namespace: traefik} and to {group: "", kind: Secret, name: app-prod-tls}';
const PLACEHOLDER_HINT = 'enable placeholder mode (policies.gateway-listener-tls.mode: placeholder) so certguard creates a temporary self-signed one';
const LOOP = 'which Traefik ≤ 3.0 does not serve while a listener is unresolved and current controllers report as not accepted or not programmed until the Secret exists';
const APP_TLS = `spec.listeners[1] "websecure-app" (Gateway traefik/traefik-gateway, hostname "app.example.com"): certificateRefs[0] Secret "traefik/app-tls"`;

/** Each bad fixture's exact denial (one violation each). */
const expected: Record<string, string> = {
  'missing-secret.yaml': `spec.listeners[2] "websecure-app-prod" (Gateway traefik/traefik-gateway, hostname "app.example.com"): certificateRefs[0] Secret "app-prod/app-prod-tls-secret" does not exist and no Certificate or cert-manager annotation will create it: ${GW}. Fix: check the Secret name, or create the Secret`,
  'missing-secret-certificate-through-gateway.yaml': `${APP_TLS} does not exist: Certificate traefik/app would issue it, but its HTTP-01 challenge for "app.example.com" is answered through this Gateway, ${LOOP}. Fix: ${PLACEHOLDER_HINT}, or add this listener once Certificate traefik/app is Ready`,
  'missing-secret-certificate-dns01.yaml': `${APP_TLS} does not exist yet: pending issuance by Certificate traefik/app (ClusterIssuer letsencrypt-dns, DNS-01), and until then ${GW}. Fix: add this listener once Certificate traefik/app is Ready, or ${PLACEHOLDER_HINT}`,
  'missing-secret-gateway-shim.yaml': `${APP_TLS} does not exist: the gateway-shim Certificate of this listener would issue it, but its HTTP-01 challenge for "app.example.com" is answered through this Gateway, ${LOOP}. Fix: ${PLACEHOLDER_HINT}, or issue the Secret with a Certificate of your own (secretName "app-tls") and add this listener once it is Ready`,
  'missing-secret-listenerset-shim.yaml': `spec.listeners[0] "shop-https" (ListenerSet apps/shop, hostname "shop.example.com"): certificateRefs[0] Secret "apps/shop-tls" does not exist: the listenerset-shim Certificate of this listener would issue it, but its HTTP-01 challenge for "shop.example.com" is answered through its parent Gateway traefik/traefik-gateway, ${LOOP}. Fix: ${PLACEHOLDER_HINT}, or issue the Secret with a Certificate of your own (secretName "shop-tls") and add this listener once it is Ready`,
  'cross-namespace-not-granted.yaml': `${APP_PROD}: certificateRefs[0] Secret "app-prod/app-prod-tls" is in another namespace and no ReferenceGrant permits it (RefNotPermitted): ${GW}. ${PROD_GRANT_FIX}`,
  'grant-for-another-name.yaml': `${APP_PROD}: certificateRefs[0] Secret "app-prod/app-prod-tls" is in another namespace and no ReferenceGrant permits it (RefNotPermitted): ${GW}. ${PROD_GRANT_FIX}`,
  'listenerset-grant-from-gateway.yaml':
    'spec.listeners[0] "shop-https" (ListenerSet apps/shop, hostname "shop.example.com"): certificateRefs[0] Secret "certs/shop-tls" is in another namespace and no ReferenceGrant permits it (RefNotPermitted): the controller leaves this listener without a certificate, and Traefik and Contour then mark its parent Gateway traefik/traefik-gateway not accepted or not programmed. Fix: create a ReferenceGrant in namespace "certs" with from {group: gateway.networking.k8s.io, kind: ListenerSet, namespace: apps} and to {group: "", kind: Secret, name: shop-tls}',
  'secret-wrong-type.yaml': `${TRAEFIK_APP}: certificateRefs[0] Secret "traefik/app-tls" is unusable: its type is "Opaque", not "kubernetes.io/tls", and cert-manager keeps a Secret's type when it issues into it, so this will not fix itself: ${GW}. Fix: delete it and recreate it with type kubernetes.io/tls, or let cert-manager create it (the type of a Secret cannot be changed)`,
  'secret-not-pem.yaml': `${TRAEFIK_APP}: certificateRefs[0] Secret "traefik/app-tls" is unusable: "tls.crt" is not a PEM certificate: ${GW}. Fix: put the PEM certificate chain, leaf first, in "tls.crt"`,
  'secret-key-mismatch.yaml': `${TRAEFIK_APP}: certificateRefs[0] Secret "traefik/app-tls" is unusable: "tls.key" does not match the certificate in "tls.crt": ${GW}. Fix: put the private key that belongs to the certificate in "tls.key", or reissue both together`,
  'secret-expired.yaml': `spec.listeners[0] "websecure-old" (Gateway traefik/traefik-gateway, hostname "old.example.com"): certificateRefs[0] Secret "traefik/old-tls" is unusable: its certificate expired at 2021-01-01T00:00:00.000Z: ${GW}. Fix: renew the certificate (cmctl renew, or find out why cert-manager did not)`,
  'unsupported-ref-kind.yaml': `${TRAEFIK_APP}: certificateRefs[0] cert-manager.io/Certificate "traefik/app" has an unsupported group/kind (certguard resolves core Secrets only): ${GW}. Fix: reference a Secret (group "", kind Secret), or add {group: cert-manager.io, kind: Certificate} to policies.gateway-listener-tls.allowedRefKinds if your Gateway controller supports it`,
};

const judge = async (path: string) => {
  const objects = await readManifests([path]);
  const subject = objects.at(-1);
  if (!subject) throw new Error(`${path}: empty bundle`);
  const policy = createGatewayListenerTlsPolicy(settingsWith(), { now: () => NOW });
  return policy.check(policyRequest(subject), new ManifestView(objects.slice(0, -1)), withoutDeadline());
};

for (const file of readdirSync(folder('good')).sort()) {
  t.test(`admits good/${file} without warnings`, async (t) => {
    const result = await judge(folder('good') + file);
    t.same(result, { violations: [], warnings: [] });
  });
}

const badFiles = readdirSync(folder('bad')).sort();

t.test('every bad fixture has its expected message and vice versa', async (t) => {
  t.same(badFiles, Object.keys(expected).sort());
});

for (const file of badFiles) {
  t.test(`denies bad/${file} with its exact message`, async (t) => {
    const result = await judge(folder('bad') + file);
    t.same(result.violations, [expected[file]]);
    t.same(result.warnings, []);
  });
}
