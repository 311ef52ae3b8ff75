// Break glass as an RBAC permission, on a real API server with two real users: ServiceAccounts
// alice and bob, each with a TokenRequest token of its own, both allowed to edit Certificates and
// Secrets in their namespace. Only alice is bound to the chart's break-glass ClusterRole. The same
// annotated Certificate (a second one on a Secret another Certificate owns) and the same annotated
// Secret delete go through for alice and are refused for bob, and kubectl shows bob why. alice's
// use is an Event on the object and a metric; certguard asked the API server with a
// SubjectAccessReview, as the admin's RoleBinding says.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { helmTemplate } from '../chart/render.ts';
import type { Cluster } from './harness/cluster.ts';
import { gateway, httpsListener, namespace, yamlOf } from './harness/objects.ts';
import { waitFor } from './harness/processes.ts';
import { startStack } from './harness/stack.ts';

const NS = 'shop';
const CLUSTER_ROLE = 'certguard-break-glass';

type Obj = Record<string, unknown>;

const certificate = (name: string, annotations: Record<string, string> = {}): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { namespace: NS, name, annotations },
  spec: { secretName: 'shop-tls', dnsNames: ['shop.example.com'], issuerRef: { kind: 'ClusterIssuer', name: 'internal-ca' } },
});

const tlsSecret = (name: string, annotations: Record<string, string> = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/tls',
  metadata: { namespace: NS, name, annotations },
  stringData: { 'tls.crt': 'not-a-certificate', 'tls.key': 'not-a-key' },
});

// What a developer of the namespace may do: Certificates and Secrets, nothing of RBAC.
const DEVELOPER_ROLE: Obj = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { namespace: NS, name: 'developer' },
  rules: [
    { apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] },
    { apiGroups: [''], resources: ['secrets', 'events'], verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] },
  ],
};

const developerBinding = (user: string): Obj => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { namespace: NS, name: `developer-${user}` },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'developer' },
  subjects: [{ kind: 'ServiceAccount', name: user, namespace: NS }],
});

/** The chart's break-glass ClusterRole, as helm renders it. */
const chartBreakGlassRole = (): string => {
  const result = helmTemplate({}, { namespace: 'certguard', release: 'certguard' });
  if (result.status !== 0) throw new Error(result.stderr);
  const role = parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as Obj & { kind?: string; metadata?: { name?: string } })
    .find((object) => object?.kind === 'ClusterRole' && object.metadata?.name === CLUSTER_ROLE);
  if (!role) throw new Error(`the chart renders no ClusterRole ${CLUSTER_ROLE}`);
  return `---\n${stringify(role)}`;
};

/** A kubeconfig whose user is ServiceAccount NS/user (a TokenRequest token): a real, separate identity. */
const userKubeconfig = async (cluster: Cluster, user: string): Promise<string> => {
  const token = await cluster.kubectl(['create', 'token', user, '-n', NS]);
  if (token.code !== 0) throw new Error(`kubectl create token ${user}: ${token.stderr}`);
  const kubeconfig = parse(readFileSync(cluster.kubeconfigPath, 'utf8')) as { users: { user: { token: string } }[] };
  for (const entry of kubeconfig.users) entry.user.token = token.stdout.trim();
  const path = join(cluster.kubeconfigPath, '..', `${user}-kubeconfig`);
  writeFileSync(path, stringify(kubeconfig), { mode: 0o600 });
  return path;
};

const ISSUABLE_DENIAL =
  `Error from server (Forbidden): error when creating "STDIN": admission webhook "certificate-issuable.certguard.io" denied the request: Certificate ${NS}/shop-tls-v2: secretName "shop-tls" is already used by Certificate ${NS}/shop-tls, ` +
  "and only one Certificate can own a Secret: cert-manager leaves the others never Ready (cert-manager#6406), older releases re-issued both without end, each overwriting the other's certificate (cert-manager#4846). " +
  'Give this one its own secretName, or delete the other.\n';

const ignored = (object: string, annotation: string, skips: string, user: string, policy: string): string =>
  `Warning: ${object}: annotation ${annotation} is ignored, so ${skips} ran: user "${user}" may not use certguard's break glass for ${policy} in namespace "${NS}" ` +
  `(verb use on breakglass.certguard.io "${policy}"). A cluster admin, or anyone who may bind ClusterRole ${CLUSTER_ROLE} there, grants it with ` +
  `"kubectl create rolebinding <name> -n ${NS} --clusterrole=${CLUSTER_ROLE} --user=${user}"\n`;

const ALICE = `system:serviceaccount:${NS}:alice`;
const BOB = `system:serviceaccount:${NS}:bob`;
const REASON = 'moving to shop-tls-v2, INC-77';

t.test('break glass counts for the user an admin granted it, not for another', async (t) => {
  const { cluster, certguard } = await startStack(t, {
    failurePolicy: 'Fail',
    config: { policies: { 'gateway-listener-tls': { mode: 'warn' }, 'certificate-dns': { mode: 'off' } } },
  });
  const setup = await cluster.kubectl(['apply', '-f', '-'], {
    input: yamlOf(
      namespace(NS),
      DEVELOPER_ROLE,
      developerBinding('alice'),
      developerBinding('bob'),
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: NS, name: 'alice' } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: NS, name: 'bob' } },
    ),
  });
  t.equal(setup.code, 0, setup.stderr);
  const role = await cluster.kubectl(['apply', '-f', '-'], { input: chartBreakGlassRole() });
  t.equal(role.code, 0, role.stderr);
  const granted = await cluster.kubectl(['create', 'rolebinding', 'alice-break-glass', '-n', NS, `--clusterrole=${CLUSTER_ROLE}`, `--user=${ALICE}`]);
  t.equal(granted.code, 0, granted.stderr);
  const asUser = async (user: string) => {
    const kubeconfig = await userKubeconfig(cluster, user);
    return (args: string[], input?: string) => cluster.kubectl(['--kubeconfig', kubeconfig, ...args], input === undefined ? {} : { input });
  };
  const alice = await asUser('alice');
  const bob = await asUser('bob');
  // What certguard asks, asked by the admin. (`kubectl auth can-i` cannot: for a resource the
  // server does not serve it drops the group and asks about resource "breakglass.certguard.io".)
  const mayUse = async (user: string) => {
    const review = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user,
        groups: ['system:authenticated'],
        resourceAttributes: { namespace: NS, verb: 'use', group: 'certguard.io', resource: 'breakglass', name: 'certificate-issuable' },
      },
    };
    return (await cluster.kubectl(['create', '-o', 'jsonpath={.status.allowed}', '-f', '-'], { input: yamlOf(review) })).stdout;
  };
  t.equal(await mayUse(ALICE), 'true', 'a SubjectAccessReview: alice may');
  t.equal(await mayUse(BOB), 'false', 'bob may not');

  const first = await cluster.kubectl(['create', '-f', '-'], { input: yamlOf(certificate('shop-tls')) });
  t.equal(first.code, 0, first.stderr);
  const second = yamlOf(certificate('shop-tls-v2', { 'certguard.io/skip-issuable-check': REASON }));
  await waitFor(
    'certguard to see the first Certificate',
    async () => ((await bob(['create', '--dry-run=server', '-f', '-'], second)).code === 1 ? true : undefined),
    { timeoutMs: 30_000, intervalMs: 250 },
  );

  await t.test('certificate-issuable: bob is refused, and kubectl says why the annotation did not count', async (t) => {
    const refused = await bob(['create', '-f', '-'], second);
    t.equal(refused.code, 1);
    t.equal(
      refused.stderr,
      ignored(`Certificate ${NS}/shop-tls-v2`, 'certguard.io/skip-issuable-check', 'the issuability check', BOB, 'certificate-issuable') + ISSUABLE_DENIAL,
    );
  });

  await t.test('certificate-issuable: alice gets through, with an Event on the Certificate and the metric', async (t) => {
    const created = await alice(['create', '-f', '-'], second);
    t.same([created.code, created.stdout], [0, 'certificate.cert-manager.io/shop-tls-v2 created\n'], created.stderr);
    t.equal(created.stderr, `Warning: Certificate ${NS}/shop-tls-v2: issuability check skipped (certguard.io/skip-issuable-check: "${REASON}").\n`);
    const message = `certificate-issuable let this through for user "${ALICE}" because of certguard.io/skip-issuable-check: "${REASON}"`;
    const described = await waitFor(
      'the break-glass Event in kubectl describe',
      async () => {
        const out = await cluster.kubectl(['describe', 'certificate', 'shop-tls-v2', '-n', NS]);
        return out.stdout.includes('CertguardBreakGlass') ? out.stdout : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 250 },
    );
    t.match(
      described,
      new RegExp(`Warning\\s+CertguardBreakGlass\\s+\\S+\\s+certguard\\s+${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      'kubectl describe shows who broke the glass and why',
    );
    t.equal(await certguard.metric('certguard_break_glass_total', { policy: 'certificate-issuable', namespace: NS }), 1);
    t.match(
      certguard.logs(),
      new RegExp(`"user":"${ALICE}"[^\\n]*"certificate-issuable-skipped":"${REASON}"`),
      'the decision log names the user and the reason',
    );
  });

  await t.test('tls-secret-in-use: the allow-delete annotation lets alice delete a Secret a listener serves, not bob', async (t) => {
    const secrets = await cluster.kubectl(['apply', '-f', '-'], {
      input: yamlOf(
        tlsSecret('served-tls', { 'certguard.io/allow-delete': 'listener moves to edge-tls' }),
        gateway(NS, 'web', [httpsListener('websecure', 'shop.example.com', 'served-tls')]),
      ),
    });
    t.equal(secrets.code, 0, secrets.stderr);
    await waitFor(
      'certguard to see the listener',
      async () => ((await bob(['delete', 'secret', 'served-tls', '-n', NS, '--dry-run=server'])).code === 1 ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const refused = await bob(['delete', 'secret', 'served-tls', '-n', NS]);
    t.equal(refused.code, 1);
    t.match(
      refused.stderr,
      new RegExp(
        `^${ignored(`secret "${NS}/served-tls"`, 'certguard.io/allow-delete', 'the in-use check', BOB, 'tls-secret-in-use').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}Error from server \\(Forbidden\\): admission webhook "tls-secret-in-use.certguard.io" denied the request: secret "${NS}/served-tls" is the certificate of a TLS listener`,
      ),
    );
    t.match(
      refused.stderr,
      /it counts only for a user allowed verb use on breakglass\.certguard\.io "tls-secret-in-use" in namespace "shop"/,
      'the denial says the annotation needs the permission',
    );
    const deleted = await alice(['delete', 'secret', 'served-tls', '-n', NS]);
    t.same([deleted.code, deleted.stdout], [0, 'secret "served-tls" deleted\n'], deleted.stderr);
    t.equal(await certguard.metric('certguard_break_glass_total', { policy: 'tls-secret-in-use', namespace: NS }), 1);
  });
});
