// Incident 000 replayed on a real API server: a Gateway with 21 working HTTPS listeners gains two
// whose Secrets do not exist yet. certguard refuses the change (enforce) or creates placeholder
// Secrets so the Gateway stays whole (placeholder), and kubectl shows the developer why.
import { X509Certificate } from 'node:crypto';
import t from 'tap';
import type { Cluster } from './harness/cluster.ts';
import { yamlOf } from './harness/objects.ts';
import { startSeed000, storedGateway } from './fixtures/seed-000-stack.ts';
import { DENIAL, GATEWAY_NAME, GATEWAY_NAMESPACE, grownGateway, NEW_LISTENERS, placeholderWarning, WORKING_LISTENERS } from './fixtures/seed-000.ts';

type Secret = {
  type: string;
  metadata: { namespace: string; name: string; uid: string; resourceVersion: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data: Record<string, string>;
};

const placeholders = async (cluster: Cluster): Promise<Secret[]> => {
  const got = await cluster.kubectl(['get', 'secret', '-A', '-l', 'certguard.io/placeholder=true', '-o', 'json']);
  return (JSON.parse(got.stdout) as { items: Secret[] }).items.sort((a, b) => a.metadata.namespace.localeCompare(b.metadata.namespace));
};

const notAfterOf = (secret: Secret): string => new Date(new X509Certificate(Buffer.from(secret.data['tls.crt'] ?? '', 'base64')).validTo).toISOString();

t.test('incident 000: two listeners with missing Secrets', async (t) => {
  const { stack, cluster, before } = await startSeed000(t);

  await t.test('enforce: kubectl is refused with both listeners and Secrets named, and the Gateway is unchanged', async (t) => {
    const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(grownGateway()) });
    t.equal(applied.code, 1);
    t.equal(applied.stdout, '');
    t.match(applied.stderr, /^Error from server \(Forbidden\): error when applying patch:/);
    t.ok(applied.stderr.endsWith(DENIAL()), `certguard's message, verbatim:\n${applied.stderr}`);
    t.same(await storedGateway(cluster), before, 'the stored Gateway still has its working listeners, same resourceVersion');
    t.same(await placeholders(cluster), [], 'no placeholder Secret');
  });

  await t.test('placeholder: the Gateway is admitted, kubectl shows the warnings, two labelled placeholders exist', async (t) => {
    await stack.reconfigure({ policies: { 'gateway-listener-tls': { mode: 'placeholder' } } });
    const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(grownGateway()) });
    t.equal(applied.code, 0, applied.stderr);
    t.equal(applied.stdout, `gateway.gateway.networking.k8s.io/${GATEWAY_NAME} configured\n`);

    const secrets = await placeholders(cluster);
    t.same(
      secrets.map((secret) => `${secret.metadata.namespace}/${secret.metadata.name}`),
      NEW_LISTENERS.map((entry) => `${entry.namespace}/${entry.secret}`),
    );
    for (const [i, secret] of secrets.entries()) {
      const entry = NEW_LISTENERS[i as 0 | 1];
      t.equal(secret.type, 'kubernetes.io/tls');
      t.match(secret.metadata.labels, { 'app.kubernetes.io/managed-by': 'certguard', 'certguard.io/placeholder': 'true' });
      t.match(secret.metadata.annotations, {
        'certguard.io/placeholder-for': `Gateway ${GATEWAY_NAMESPACE}/${GATEWAY_NAME}`,
        'certguard.io/placeholder-listeners': entry.listener,
      });
      const certificate = new X509Certificate(Buffer.from(secret.data['tls.crt'] ?? '', 'base64'));
      t.equal(certificate.subjectAltName, `DNS:${entry.hostname}`, 'the placeholder certificate names the listener hostname');
    }
    // The warning gives the planned expiry to the millisecond; X.509 keeps whole seconds.
    const validUntil = [...applied.stderr.matchAll(/valid until (\S+) \(unless/g)].map((match) => match[1] ?? '');
    t.same(
      validUntil.map((iso) => new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString()),
      secrets.map(notAfterOf),
      "the warnings give the placeholders' expiry",
    );
    const warnings = validUntil.map((iso, i) => `Warning: ${placeholderWarning(i as 0 | 1, iso)}\n`).join('');
    t.equal(applied.stderr, warnings, 'kubectl prints one warning per placeholder');

    const after = await storedGateway(cluster);
    t.equal(after.listeners.length, WORKING_LISTENERS + 2, `the Gateway now has ${WORKING_LISTENERS + 2} listeners`);

    // A no-op apply sends nothing; a real change makes the API server call certguard again.
    const annotated = grownGateway() as { metadata: Record<string, unknown> };
    annotated.metadata.annotations = { 'example.com/reapplied': 'second-apply' };
    const again = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(annotated) });
    t.equal(again.code, 0, again.stderr);
    t.equal(again.stdout, `gateway.gateway.networking.k8s.io/${GATEWAY_NAME} configured\n`);
    t.equal(again.stderr, '', 'no warning: the placeholders exist and count as usable');
    t.same(
      (await placeholders(cluster)).map((secret) => [secret.metadata.uid, secret.metadata.resourceVersion]),
      secrets.map((secret) => [secret.metadata.uid, secret.metadata.resourceVersion]),
      'the second apply creates nothing new and rewrites nothing',
    );
  });
});
