// Incident 004 (the Secret was renewed, the process kept serving the old certificate): certguard's
// own serving certificate and the webhooks' caBundle are rotated while the API server keeps
// sending reviews, and not one admission fails. Rotation the way the chart's bootstrap does it:
// first the caBundle trusts old and new CA, then the files are swapped the way the kubelet
// updates a mounted Secret, then the old CA is dropped.
import { X509Certificate } from 'node:crypto';
import t from 'tap';
import type { Cluster } from './harness/cluster.ts';
import { gateway, httpsListener, namespace, yamlOf } from './harness/objects.ts';
import { base64, issueCa, type Issued } from './harness/pki.ts';
import { waitFor } from './harness/processes.ts';
import { startStack } from './harness/stack.ts';
import { registerWebhooks } from './harness/webhooks.ts';

const NS = 'rotation';

// Every review is a denial, so each result proves certguard itself answered (a skipped webhook
// would admit, a failed call would say "failed calling webhook").
const DENIAL =
  'Error from server (Forbidden): error when creating "STDIN": admission webhook "gateway-listener-tls.certguard.io" denied the request: ' +
  `spec.listeners[0] "websecure" (Gateway ${NS}/app, hostname "app.example.com"): certificateRefs[0] Secret "${NS}/app-tls" does not exist and no Certificate or cert-manager annotation will create it: ` +
  'the controller leaves this listener without a certificate, and Traefik and Contour then mark this Gateway not accepted or not programmed. Fix: check the Secret name, or create the Secret\n';

const REVIEW = yamlOf(gateway(NS, 'app', [httpsListener('websecure', 'app.example.com', 'app-tls')]));

type Result = { phase: string; code: number; stderr: string };

/** Sends reviews (server-side dry runs) in `parallel` loops until stopped. */
const sendReviews = (cluster: Cluster, parallel: number) => {
  const results: Result[] = [];
  let phase = 'before rotation';
  let running = true;
  const loop = async () => {
    while (running) {
      const result = await cluster.kubectl(['create', '--dry-run=server', '-f', '-'], { input: REVIEW });
      results.push({ phase, code: result.code, stderr: result.stderr });
    }
  };
  const loops = Array.from({ length: parallel }, loop);
  return {
    results,
    enter: (next: string) => {
      phase = next;
    },
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
};

const serialOf = (issued: Issued): string => new X509Certificate(issued.certificatePem).serialNumber.toUpperCase();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('incident 004: rotating certguard serving certificate and CA under load fails no admission', async (t) => {
  const stack = await startStack(t, { config: {}, failurePolicy: 'Fail' });
  const { cluster, certguard } = stack;
  t.equal((await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(namespace(NS)) })).code, 0);
  const register = (caBundle: string) => registerWebhooks(cluster, { url: certguard.url, caBundle, config: {}, failurePolicy: 'Fail' });
  const oldCa = certguard.ca;
  const firstSerial = await certguard.servedSerial();

  const reviews = sendReviews(cluster, 2);
  await pause(2_000);

  reviews.enter('new leaf, same CA');
  const sameCaLeaf = await certguard.rotateCertificate();
  await waitFor('certguard to serve the new leaf', async () => ((await certguard.servedSerial()) === serialOf(sameCaLeaf) ? true : undefined));
  await pause(2_000);

  // The API server learns caBundles through an informer (milliseconds); the pauses leave it
  // ample time, so a failure below would be certguard's, not a race of the test.
  reviews.enter('caBundle trusts old and new CA');
  const newCa = await issueCa('certguard-e2e-ca-2');
  await register(base64(oldCa.certificatePem + newCa.certificatePem));
  await pause(3_000);

  reviews.enter('leaf signed by the new CA');
  const newCaLeaf = await certguard.rotateCertificate(newCa);
  await waitFor('certguard to serve the leaf of the new CA', async () => ((await certguard.servedSerial()) === serialOf(newCaLeaf) ? true : undefined));
  await pause(2_000);

  reviews.enter('caBundle trusts the new CA only');
  await register(base64(newCa.certificatePem));
  await pause(3_000);
  await reviews.stop();

  const phases = [...new Set(reviews.results.map((result) => result.phase))];
  t.same(
    phases,
    ['before rotation', 'new leaf, same CA', 'caBundle trusts old and new CA', 'leaf signed by the new CA', 'caBundle trusts the new CA only'],
    'reviews were sent in every phase',
  );
  const failed = reviews.results.filter((result) => result.code !== 1 || result.stderr !== DENIAL);
  t.same(failed, [], `all ${reviews.results.length} reviews answered by certguard, none failed`);
  t.not(firstSerial, serialOf(newCaLeaf));
  t.equal(certguard.logs().match(/"msg":"certguard listening"/g)?.length, 1, 'no restart: the same process served throughout');
});
