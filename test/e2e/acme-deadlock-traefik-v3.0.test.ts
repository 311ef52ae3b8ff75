// Incident 000's deadlock, for real, on Traefik v3.0.4: its Gateway API provider drops the *whole*
// Gateway when one listener's Secret is missing (traefik/traefik#9158), so the HTTP-01 challenge
// that would issue that Secret — served through the same Gateway — is never reached. Everything
// else as in acme-seed-000.test.ts: certguard from its chart on a real node, cert-manager's solver
// Pods, pebble validating through Traefik.
//
// - without certguard: the new listener takes the Gateway down (the working host loses its
//   certificate) and its Certificate does not issue: cert-manager's self-check gets Traefik's 404;
//   removing the listener by hand (what the seed's engineers did, with placeholder Secrets) lets
//   it issue.
// - placeholder: the same apply; the placeholder keeps the Gateway whole, the challenge passes,
//   the new host serves the pebble chain and the working host its own certificate throughout.
// - enforce: the listener is refused naming the loop; the Certificate of the same apply issues,
//   and the listener applied again once it is Ready is admitted and serves the pebble chain.
//
// Traefik v3.0 also drops the whole Gateway for a route whose Service has no endpoints, so the
// working route's backend is a running pod.
import { X509Certificate } from 'node:crypto';
import t from 'tap';
import type * as Tap from 'tap';
import { issueSelfSigned, validityWindow } from '../../src/certs/x509.ts';
import { installCertguard, waitForMode } from './harness/chart.ts';
import { namespace, tlsSecret, yamlOf } from './harness/objects.ts';
import { waitFor } from './harness/processes.ts';
import { getJson, isReady, pebbleIssuer, startAcmeCertManager, startAcmeNode, untilPebbleServed, untilReady, type AcmeNode } from './fixtures/acme-node.ts';

const NS = 'traefik';
const GW = 'traefik-gateway';
const WORKING = 'app00.example.com';
type Case = { name: string; hostname: string };
const UNGUARDED: Case = { name: 'blog', hostname: 'blog.example.com' };
const PLACEHOLDER: Case = { name: 'app', hostname: 'app.example.com' };
const ENFORCED: Case = { name: 'shop', hostname: 'shop.example.com' };
/** How long the deadlock is watched: several of cert-manager's self-check rounds. */
const DEADLOCK_WATCH_MS = 60_000;

type Obj = Record<string, unknown>;
type Challenge = { status?: { state?: string; reason?: string; presented?: boolean } };

const httpsListener = (c: { name: string; hostname: string }): Obj => ({
  name: `websecure-${c.name}`,
  hostname: c.hostname,
  port: 443,
  protocol: 'HTTPS',
  tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: `${c.name}-tls` }] },
});

const gateway = (cases: Case[]): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { namespace: NS, name: GW },
  spec: {
    gatewayClassName: 'traefik',
    listeners: [{ name: 'web', port: 80, protocol: 'HTTP' }, httpsListener({ name: 'app00', hostname: WORKING }), ...cases.map(httpsListener)],
  },
});

const certificate = (c: Case): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { namespace: NS, name: c.name },
  spec: { secretName: `${c.name}-tls`, dnsNames: [c.hostname], issuerRef: { kind: 'ClusterIssuer', name: 'pebble' } },
});

// Traefik terminates TLS on an entry point only for routers attached there; the backend is a
// running pod (the pause image), so the Service has an endpoint.
const backend = (images: AcmeNode['cluster']['images']): Obj[] => [
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: NS, name: 'web', labels: { app: 'web' } },
    spec: { containers: [{ name: 'pause', image: images.pause.reference, imagePullPolicy: 'Never' }] },
  },
  { apiVersion: 'v1', kind: 'Service', metadata: { namespace: NS, name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { namespace: NS, name: 'app00' },
    spec: { parentRefs: [{ name: GW, sectionName: 'websecure-app00' }], hostnames: [WORKING], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
  },
];

const servesOwn = async (world: AcmeNode, workingCert: X509Certificate): Promise<boolean> => {
  const served = await world.traefik.servedCertificate(WORKING).catch(() => undefined);
  return served?.serialNumber === workingCert.serialNumber;
};

/**
 * Checks the working host every 250 ms: Traefik v3.0 also drops the whole Gateway while a route's
 * Service has no endpoint, which cert-manager's solver route has until its Pod is ready and again
 * while it cleans up (the Pod goes before the route).
 */
const watchWorking = (world: AcmeNode, own: X509Certificate) => {
  let checks = 0;
  let lost = 0;
  let streak = 0;
  let longest = 0;
  let stopped = false;
  void (async () => {
    while (!stopped) {
      checks++;
      if (await servesOwn(world, own)) streak = 0;
      else {
        lost++;
        longest = Math.max(longest, ++streak);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return { stop: () => ((stopped = true), { checks, lost, longest }) };
};

const settled = (world: AcmeNode, own: X509Certificate) =>
  waitFor(`${WORKING} to serve its own certificate again`, async () => ((await servesOwn(world, own)) ? true : undefined), {
    timeoutMs: 60_000,
    intervalMs: 250,
  });

// What Traefik v3.0.4 logs when a route's backend has no endpoint (kubernetes.go loadServices).
const ENDPOINT_ERRORS = /endpoints not found|subset not found/;

const reportOutage = (t: Tap.Test, outage: { checks: number; lost: number; longest: number }, world: AcmeNode) => {
  t.comment(`${WORKING} lost its certificate at ${outage.lost} of ${outage.checks} checks (250 ms apart), ${outage.longest} in a row at most`);
  if (outage.lost > 0) t.match(world.traefik.logs(), ENDPOINT_ERRORS, 'the transient drops are the solver Service without an endpoint, as Traefik logs it');
  t.pass(`${WORKING} serves its own certificate again once the challenge is done: bounded, unlike the deadlock`);
};

const challengeOf = async (world: AcmeNode, c: Case): Promise<Challenge | undefined> =>
  (await getJson<{ items: Challenge[] }>(world.cluster, ['challenges', '-n', NS]))?.items.find((challenge) => JSON.stringify(challenge).includes(c.hostname));

t.test('incident 000 deadlock on Traefik v3.0.4, and certguard breaking it', async (t) => {
  const world = await startAcmeNode(t, [WORKING, UNGUARDED.hostname, PLACEHOLDER.hostname, ENFORCED.hostname], { traefik: 'v3.0' });
  const { cluster } = world;
  const pair = await issueSelfSigned({ commonName: WORKING, dnsNames: [WORKING], ...validityWindow(30) });
  const own = new X509Certificate(pair.certificatePem);
  const prepared = await cluster.kubectl(['apply', '-f', '-'], {
    input: yamlOf(
      world.traefik.gatewayClass,
      namespace('cert-manager'),
      namespace(NS),
      tlsSecret(NS, 'app00-tls', pair),
      ...backend(cluster.images),
      pebbleIssuer(world.pebble.directoryUrl, NS, GW),
      gateway([]),
    ),
  });
  t.equal(prepared.code, 0, prepared.stderr);
  await waitFor(`${WORKING} to serve its own certificate`, async () => ((await servesOwn(world, own)) ? true : undefined), {
    timeoutMs: 120_000,
    intervalMs: 500,
  });
  await startAcmeCertManager(t, world);

  await t.test('without certguard: one listener without its Secret drops the whole Gateway, and its Certificate never issues', async (t) => {
    const c = UNGUARDED;
    const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(certificate(c), gateway([c])) });
    t.equal(applied.code, 0, applied.stderr);
    await waitFor(`${WORKING} to lose its certificate`, async () => ((await servesOwn(world, own)) ? undefined : true), { timeoutMs: 60_000, intervalMs: 500 });
    t.pass(`the whole Gateway is dropped: ${WORKING}, whose Secret exists, no longer serves its certificate`);
    const watchedUntil = Date.now() + DEADLOCK_WATCH_MS;
    let challenge: Challenge | undefined;
    let everReady = false;
    while (Date.now() < watchedUntil) {
      everReady ||= await isReady(cluster, NS, c.name);
      challenge = await challengeOf(world, c);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    t.notOk(everReady, `Certificate ${NS}/${c.name} was never Ready in ${DEADLOCK_WATCH_MS / 1000} s`);
    t.match(
      challenge?.status?.reason ?? '',
      /wrong status code '404'/,
      `cert-manager's self-check gets Traefik's 404: the solver route is dropped with the Gateway (${challenge?.status?.reason})`,
    );
    t.notOk(await servesOwn(world, own), `${WORKING} still has no certificate`);

    // The seed's way out, by hand: take the listener away; the challenge passes, then put it back.
    const removed = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(gateway([])) });
    t.equal(removed.code, 0, removed.stderr);
    await untilReady(cluster, NS, c.name);
    t.pass('without the listener the Gateway comes back, the challenge passes and the Certificate is Ready');
    const restored = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(gateway([c])) });
    t.equal(restored.code, 0, restored.stderr);
    const served = await untilPebbleServed(world, c.hostname);
    t.equal(served.subjectAltName, `DNS:${c.hostname}`, `with its Secret issued the listener serves the pebble chain`);
  });

  await t.test('placeholder: the same kind of apply keeps the Gateway whole and issues', async (t) => {
    await installCertguard(cluster, { config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' }, 'certificate-dns': { mode: 'off' } } } });
    await waitForMode(cluster, 'placeholder');
    const c = PLACEHOLDER;
    const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(certificate(c), gateway([UNGUARDED, c])) });
    t.equal(applied.code, 0, applied.code === 0 ? 'admitted' : applied.stderr);
    t.match(applied.stderr, /certguard created a self-signed placeholder Secret "traefik\/app-tls"/, 'a placeholder stands in for the missing Secret');
    const outage = watchWorking(world, own);
    const served = await untilPebbleServed(world, c.hostname);
    t.equal(served.subjectAltName, `DNS:${c.hostname}`, `${c.hostname} serves the pebble-signed chain`);
    await untilReady(cluster, NS, c.name);
    await settled(world, own);
    reportOutage(t, outage.stop(), world);
  });

  await t.test('enforce: refused naming the loop; once the Certificate is Ready the listener is admitted', async (t) => {
    await installCertguard(cluster, { config: { policies: { 'certificate-dns': { mode: 'off' } } } });
    await waitForMode(cluster, 'enforce');
    const c = ENFORCED;
    const grown = gateway([UNGUARDED, PLACEHOLDER, c]);
    const outage = watchWorking(world, own);
    const refused = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(certificate(c), grown) });
    t.equal(refused.code, 1);
    t.ok(
      refused.stderr.includes(
        `admission webhook "gateway-listener-tls.certguard.io" denied the request: spec.listeners[4] "websecure-${c.name}" (Gateway ${NS}/${GW}, hostname "${c.hostname}"): ` +
          `certificateRefs[0] Secret "${NS}/${c.name}-tls" does not exist: Certificate ${NS}/${c.name} would issue it, but its HTTP-01 challenge for "${c.hostname}" is answered through this Gateway, ` +
          'which Traefik ≤ 3.0 does not serve while a listener is unresolved and current controllers report as not accepted or not programmed until the Secret exists. ',
      ),
      `certguard's message:\n${refused.stderr}`,
    );
    await untilReady(cluster, NS, c.name);
    await settled(world, own);
    reportOutage(t, outage.stop(), world);
    const again = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(grown) });
    t.equal(again.code, 0, again.stderr);
    const served = await untilPebbleServed(world, c.hostname);
    t.equal(served.subjectAltName, `DNS:${c.hostname}`, `${c.hostname} serves the pebble-signed chain`);
  });
});
