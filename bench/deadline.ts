// What a review costs with one deadline signal everywhere (the review handler's AbortSignal.any
// and timer, the signal-carrying view, the race of each policy against the signal): in-process
// app.inject of a Gateway with 25 HTTPS listeners whose Secrets are all present (allowed).
// Run it against two trees to compare (bench/README.md, "Deadline"); it prints µs per review.
//
//   node bench/deadline.ts [reviews=20000] [rounds=5]
//   node bench/deadline.ts signal      the signal's own work per review, timed alone
import { generateCertificates } from '../src/cli/certs.ts';
import { ManifestView } from '../src/cluster/manifest-view.ts';
import { createGatewayListenerTlsPolicy } from '../src/policies/gateway-listener-tls/policy.ts';
import { defaultGatewayListenerTlsSettings } from '../src/policies/gateway-listener-tls/settings.ts';
import { buildApp } from '../src/server/app.ts';
import { createLogger } from '../src/server/logger.ts';

/** What the review handler and complete.ts add per review, without the review. */
const signalAlone = async (count: number): Promise<number> => {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const deadline = new AbortController();
    const hungUp = new AbortController();
    const timer = setTimeout(() => deadline.abort(), 4000);
    const signal = AbortSignal.any([deadline.signal, hungUp.signal]);
    const onAbort = () => {};
    signal.addEventListener('abort', onAbort, { once: true });
    await Promise.resolve();
    signal.removeEventListener('abort', onAbort);
    clearTimeout(timer);
  }
  return Number(process.hrtime.bigint() - started) / 1e3 / count;
};

if (process.argv[2] === 'signal') {
  for (let round = 0; round < 3; round++) process.stdout.write(`signal alone: ${(await signalAlone(200_000)).toFixed(1)} µs per review\n`);
  process.exit(0);
}

const REVIEWS = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const LISTENERS = 25;

const pair = await generateCertificates({
  service: 'bench',
  namespace: 'bench',
  dnsNames: ['app.example.com'],
  ipAddresses: [],
  caValidityDays: 2,
  validityDays: 1,
});
const secrets = Array.from({ length: LISTENERS }, (_, index) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/tls',
  metadata: { name: `tls-${index}`, namespace: 'bench' },
  data: { 'tls.crt': Buffer.from(pair.serving.certificatePem).toString('base64'), 'tls.key': Buffer.from(pair.serving.privateKeyPem).toString('base64') },
}));
const view = new ManifestView([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }, ...secrets]);
const app = buildApp({ policies: [createGatewayListenerTlsPolicy(defaultGatewayListenerTlsSettings())], view, logger: createLogger('silent') });
const payload = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: '00000000-0000-4000-8000-000000000000',
    kind: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'Gateway' },
    resource: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'gateways' },
    namespace: 'bench',
    name: 'gw',
    operation: 'CREATE',
    object: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'bench' },
      spec: {
        gatewayClassName: 'bench',
        listeners: Array.from({ length: LISTENERS }, (_, index) => ({
          name: `https-${index}`,
          port: 443,
          protocol: 'HTTPS',
          hostname: 'app.example.com',
          tls: { certificateRefs: [{ name: `tls-${index}` }] },
        })),
      },
    },
  },
});

const once = async () => {
  const response = await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload });
  if (response.statusCode !== 200 || response.json().response.allowed !== true) throw new Error(`unexpected answer: ${response.body}`);
};

for (let i = 0; i < 2000; i++) await once();
const perRound: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < REVIEWS; i++) await once();
  perRound.push(Number(process.hrtime.bigint() - started) / 1e3 / REVIEWS);
}
await app.close();
perRound.sort((a, b) => a - b);
process.stdout.write(`µs per review, ${ROUNDS} rounds of ${REVIEWS}: min ${perRound[0]?.toFixed(1)}, median ${perRound[Math.floor(ROUNDS / 2)]?.toFixed(1)}\n`);
