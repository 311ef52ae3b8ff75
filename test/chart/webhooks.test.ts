// The webhook configurations the chart renders, for the default values and the value sets an
// admin would use: placeholder on/off, a policy off, failurePolicy Fail, extra exclusions,
// cert-manager CA injection, and the development URL mode the end-to-end harness uses.
import t from 'tap';
import { render, renderError, renderWebhookConfigurations, type K8sObject } from './render.ts';
import { parseAllDocuments } from 'yaml';
import { buildPolicies } from '../../src/compose.ts';
import { parseConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/server/logger.ts';
import { servedBy } from '../../src/server/review-handler.ts';

type Webhook = {
  name: string;
  admissionReviewVersions: string[];
  clientConfig: { service?: { name: string; namespace: string; path: string; port: number }; url?: string; caBundle?: string };
  failurePolicy: string;
  sideEffects: string;
  timeoutSeconds: number;
  matchPolicy: string;
  reinvocationPolicy?: string;
  namespaceSelector: { matchExpressions: { key: string; operator: string; values?: string[] }[] };
  rules: { apiGroups: string[]; apiVersions: string[]; resources: string[]; operations: string[]; scope: string }[];
  matchConditions?: { name: string; expression: string }[];
};
type Configuration = K8sObject & { webhooks: Webhook[] };

const byName = (configuration: Configuration | undefined): Record<string, Webhook> =>
  Object.fromEntries((configuration?.webhooks ?? []).map((webhook) => [webhook.name, webhook]));

const DEFAULT_SELECTOR = {
  matchExpressions: [
    { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'certguard'] },
    { key: 'certguard.io/exclude', operator: 'NotIn', values: ['true'] },
  ],
};

const GATEWAY_RULES = [
  {
    apiGroups: ['gateway.networking.k8s.io'],
    apiVersions: ['*'],
    resources: ['gateways', 'listenersets', 'backendtlspolicies'],
    operations: ['CREATE', 'UPDATE'],
    scope: 'Namespaced',
  },
];
const CERTIFICATE_DNS_RULES = [
  { apiGroups: ['cert-manager.io'], apiVersions: ['*'], resources: ['certificates'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' },
  { apiGroups: ['networking.k8s.io'], apiVersions: ['*'], resources: ['ingresses'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' },
  { apiGroups: ['gateway.networking.k8s.io'], apiVersions: ['*'], resources: ['gateways'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' },
];
const SOLVER_RULES = [
  { apiGroups: ['gateway.networking.k8s.io'], apiVersions: ['*'], resources: ['httproutes'], operations: ['CREATE'], scope: 'Namespaced' },
  { apiGroups: ['networking.k8s.io'], apiVersions: ['*'], resources: ['ingresses'], operations: ['CREATE'], scope: 'Namespaced' },
];

const SECRET_RULES = [{ apiGroups: [''], apiVersions: ['v1'], resources: ['secrets', 'configmaps'], operations: ['DELETE', 'UPDATE'], scope: 'Namespaced' }];

const HAS_TLS_LISTENER =
  "request.resource.resource == 'listenersets' || request.resource.resource == 'backendtlspolicies' || (has(object.spec) && has(object.spec.listeners) && object.spec.listeners.exists(l, has(l.tls))) || (has(object.spec) && has(object.spec.tls)) || (request.operation == 'UPDATE' && has(oldObject.spec) && has(oldObject.spec.allowedListeners))";
const SHIM_ANNOTATED =
  "request.resource.group == 'cert-manager.io' || (has(object.metadata.annotations) && ('cert-manager.io/issuer' in object.metadata.annotations || 'cert-manager.io/cluster-issuer' in object.metadata.annotations))";
const SOLVER_LABEL =
  "has(object.metadata.labels) && 'acme.cert-manager.io/http01-solver' in object.metadata.labels && object.metadata.labels['acme.cert-manager.io/http01-solver'] == 'true'";
const TLS_SECRET =
  "(has(oldObject.type) && oldObject.type == 'kubernetes.io/tls') || (request.operation == 'UPDATE' && has(object.type) && object.type == 'kubernetes.io/tls') || " +
  "(has(oldObject.data) && 'ca.crt' in oldObject.data && !(has(oldObject.type) && oldObject.type == 'kubernetes.io/service-account-token')) || " +
  "(request.operation == 'UPDATE' && has(object.data) && 'ca.crt' in object.data && !(has(object.type) && object.type == 'kubernetes.io/service-account-token'))";

const validatingWebhook = (id: string, rules: object[], condition: { name: string; expression: string }): Webhook => ({
  name: `${id}.certguard.io`,
  admissionReviewVersions: ['v1'],
  clientConfig: { service: { name: 'certguard', namespace: 'certguard', path: `/validate/${id}`, port: 443 } },
  failurePolicy: 'Ignore',
  sideEffects: 'None',
  timeoutSeconds: 5,
  matchPolicy: 'Equivalent',
  namespaceSelector: DEFAULT_SELECTOR,
  rules: rules as Webhook['rules'],
  matchConditions: [condition],
});

t.test('default values: one validating webhook per policy, failing open, scoped by rules and CEL', async (t) => {
  const rendered = render();
  const validating = rendered.get<Configuration>('ValidatingWebhookConfiguration', 'certguard');
  t.equal(rendered.find('MutatingWebhookConfiguration'), undefined, 'no mutating configuration without placeholder mode');
  t.same(
    byName(validating),
    {
      'acme-solver-cap.certguard.io': validatingWebhook('acme-solver-cap', SOLVER_RULES, { name: 'acme-http01-solver', expression: SOLVER_LABEL }),
      'certificate-dns.certguard.io': validatingWebhook('certificate-dns', CERTIFICATE_DNS_RULES, {
        name: 'certificate-or-shim-annotated',
        expression: SHIM_ANNOTATED,
      }),
      'certificate-issuable.certguard.io': validatingWebhook('certificate-issuable', CERTIFICATE_DNS_RULES, {
        name: 'certificate-or-shim-annotated',
        expression: SHIM_ANNOTATED,
      }),
      'gateway-listener-tls.certguard.io': validatingWebhook('gateway-listener-tls', GATEWAY_RULES, {
        name: 'tls-listener-or-listenerset',
        expression: HAS_TLS_LISTENER,
      }),
      'tls-secret-in-use.certguard.io': validatingWebhook('tls-secret-in-use', SECRET_RULES, { name: 'tls-secret-or-ca-bundle', expression: TLS_SECRET }),
    },
    'the five webhooks, exactly',
  );
  t.notOk(validating.metadata.annotations, 'no cert-manager CA injection annotation');
});

t.test('placeholder mode: gateway-listener-tls becomes a mutating webhook that always fails open', async (t) => {
  const rendered = render({ config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } }, webhook: { failurePolicy: 'Fail' } });
  const mutating = byName(rendered.get<Configuration>('MutatingWebhookConfiguration', 'certguard'));
  const validating = byName(rendered.get<Configuration>('ValidatingWebhookConfiguration', 'certguard'));
  t.same(Object.keys(mutating), ['gateway-listener-tls.certguard.io'], 'only the listener policy mutates');
  t.same(
    Object.keys(validating),
    ['acme-solver-cap.certguard.io', 'certificate-dns.certguard.io', 'certificate-issuable.certguard.io', 'tls-secret-in-use.certguard.io'],
    'the others stay validating',
  );
  const webhook = mutating['gateway-listener-tls.certguard.io'];
  t.equal(webhook?.clientConfig.service?.path, '/mutate/gateway-listener-tls', 'served by /mutate');
  t.equal(webhook?.sideEffects, 'NoneOnDryRun', 'it creates Secrets, but never on a dry run');
  t.equal(webhook?.failurePolicy, 'Ignore', 'mutating fails open even when webhook.failurePolicy is Fail');
  t.equal(webhook?.reinvocationPolicy, 'Never', 'not re-invoked after other mutating webhooks');
  t.same(webhook?.rules, GATEWAY_RULES, 'same rules as in validating mode');
  t.equal(validating['certificate-dns.certguard.io']?.failurePolicy, 'Fail', 'validating webhooks take webhook.failurePolicy');
});

t.test('a policy in mode off is not registered at all', async (t) => {
  const rendered = render({ config: { policies: { 'certificate-dns': { mode: 'off' }, 'acme-solver-cap': { mode: 'warn' } } } });
  t.same(
    Object.keys(byName(rendered.get<Configuration>('ValidatingWebhookConfiguration'))),
    ['acme-solver-cap.certguard.io', 'certificate-issuable.certguard.io', 'gateway-listener-tls.certguard.io', 'tls-secret-in-use.certguard.io'],
    'certificate-dns is absent; warn mode is still called',
  );
  const none = render({
    config: {
      policies: {
        'gateway-listener-tls': { mode: 'off' },
        'certificate-dns': { mode: 'off' },
        'acme-solver-cap': { mode: 'off' },
        'tls-secret-in-use': { mode: 'off' },
        'certificate-issuable': { mode: 'off' },
      },
    },
  });
  t.same(
    [none.find('ValidatingWebhookConfiguration'), none.find('MutatingWebhookConfiguration')],
    [undefined, undefined],
    'no configuration at all when every policy is off',
  );
});

t.test(
  'tls-secret-in-use: Secret and ConfigMap DELETEs and UPDATEs, never CREATEs, only kubernetes.io/tls Secrets and ca.crt bundles reach certguard, failing open, same exclusions',
  async (t) => {
    const webhook = byName(render().get<Configuration>('ValidatingWebhookConfiguration'))['tls-secret-in-use.certguard.io'];
    t.same(webhook?.rules, SECRET_RULES, 'core v1 secrets and configmaps, DELETE (a DeleteCollection arrives as one DELETE per object) and UPDATE');
    t.same(
      webhook?.matchConditions,
      [{ name: 'tls-secret-or-ca-bundle', expression: TLS_SECRET }],
      'the CEL condition reads the deleted object (oldObject), and on UPDATE the new one too',
    );
    t.equal(webhook?.failurePolicy, 'Ignore', 'fails open by default, like the others');
    t.same(webhook?.namespaceSelector, DEFAULT_SELECTOR, 'kube-system, the release namespace and the opt-out label are excluded');
    const warn = byName(render({ config: { policies: { 'tls-secret-in-use': { mode: 'warn' } } } }).get<Configuration>('ValidatingWebhookConfiguration'));
    t.ok(warn['tls-secret-in-use.certguard.io'], 'warn mode is still registered');
    const off = byName(render({ config: { policies: { 'tls-secret-in-use': { mode: 'off' } } } }).get<Configuration>('ValidatingWebhookConfiguration'));
    t.notOk(off['tls-secret-in-use.certguard.io'], 'off: not registered');
  },
);

t.test('failurePolicy and timeoutSeconds: global, then per policy', async (t) => {
  const rendered = render({
    webhook: { failurePolicy: 'Fail', timeoutSeconds: 8 },
    webhooks: { 'acme-solver-cap': { failurePolicy: 'Ignore', timeoutSeconds: 3, rules: SOLVER_RULES } },
  });
  const webhooks = byName(rendered.get<Configuration>('ValidatingWebhookConfiguration'));
  t.same(
    Object.values(webhooks).map((w) => [w.name, w.failurePolicy, w.timeoutSeconds]),
    [
      ['acme-solver-cap.certguard.io', 'Ignore', 3],
      ['certificate-dns.certguard.io', 'Fail', 8],
      ['certificate-issuable.certguard.io', 'Fail', 8],
      ['gateway-listener-tls.certguard.io', 'Fail', 8],
      ['tls-secret-in-use.certguard.io', 'Fail', 8],
    ],
    'per-policy settings override the global ones',
  );
  t.same(
    webhooks['acme-solver-cap.certguard.io']?.matchConditions?.map((c) => c.name),
    ['acme-http01-solver'],
    'overriding a webhook key keeps the default matchConditions (Helm merges maps)',
  );
  const args = rendered.get<{ spec: { template: { spec: { containers: { args: string[] }[] } } } }>('Deployment').spec.template.spec.containers[0]?.args;
  t.ok(args?.includes('--request-timeout=2000ms'), 'the review deadline fits the smallest timeoutSeconds (3 s) less 1 s');
});

t.test('namespaceSelector: kube-system and the release namespace always, plus the admin’s list', async (t) => {
  const rendered = render(
    {
      webhook: {
        excludeNamespaces: ['flux-system', 'kube-system'],
        optOutLabel: '',
        extraNamespaceSelectorExpressions: [{ key: 'team', operator: 'In', values: ['apps'] }],
      },
    },
    { namespace: 'security' },
  );
  for (const webhook of rendered.get<Configuration>('ValidatingWebhookConfiguration').webhooks) {
    t.same(
      webhook.namespaceSelector,
      {
        matchExpressions: [
          { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'security', 'flux-system'] },
          { key: 'team', operator: 'In', values: ['apps'] },
        ],
      },
      `${webhook.name}: exclusions deduplicated, opt-out label disabled, extra expression ANDed`,
    );
    t.equal(webhook.clientConfig.service?.namespace, 'security', `${webhook.name}: calls the Service in the release namespace`);
  }
});

t.test('webhook.url and webhook.caBundle (development and end-to-end tests)', async (t) => {
  const caBundle = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
  const values = {
    config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } },
    webhook: { url: 'https://127.0.0.1:9443/', caBundle, failurePolicy: 'Fail' },
  };
  const rendered = render(values, { namespace: 'certguard-e2e' });
  const all = [
    ...rendered.get<Configuration>('ValidatingWebhookConfiguration').webhooks,
    ...rendered.get<Configuration>('MutatingWebhookConfiguration').webhooks,
  ];
  t.same(
    all.map((w) => [w.name, w.clientConfig]),
    [
      ['acme-solver-cap.certguard.io', { url: 'https://127.0.0.1:9443/validate/acme-solver-cap', caBundle }],
      ['certificate-dns.certguard.io', { url: 'https://127.0.0.1:9443/validate/certificate-dns', caBundle }],
      ['certificate-issuable.certguard.io', { url: 'https://127.0.0.1:9443/validate/certificate-issuable', caBundle }],
      ['tls-secret-in-use.certguard.io', { url: 'https://127.0.0.1:9443/validate/tls-secret-in-use', caBundle }],
      ['gateway-listener-tls.certguard.io', { url: 'https://127.0.0.1:9443/mutate/gateway-listener-tls', caBundle }],
    ],
    'url replaces the Service (trailing slash handled), caBundle is explicit',
  );
  const job = rendered.get<{ spec: { template: { spec: { containers: { args: string[] }[] } } } }>('Job');
  t.same(
    job.spec.template.spec.containers[0]?.args.filter((arg) => arg.includes('webhook-configuration')),
    [],
    'with an explicit caBundle the bootstrap Job does not patch the webhooks',
  );
  const only = parseAllDocuments(renderWebhookConfigurations(values, { namespace: 'certguard-e2e' })).map((d) => (d.toJS() as K8sObject).kind);
  t.same(only, ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], 'renderWebhookConfigurations gives just the two configurations');
});

t.test('cert-manager mode: cainjector fills caBundle, no bootstrap Job', async (t) => {
  const rendered = render({ certManager: { enabled: true }, config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } } });
  for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
    t.same(
      rendered.get(kind).metadata.annotations,
      { 'cert-manager.io/inject-ca-from': 'certguard/certguard-tls' },
      `${kind} asks cainjector for the serving certificate's CA`,
    );
  }
  t.same([rendered.find('Job'), rendered.find('CronJob')], [undefined, undefined], 'no bootstrap Job or CronJob');
  const certificate = rendered.get<{ spec: { secretName: string; dnsNames: string[]; issuerRef: object } }>('Certificate', 'certguard-tls');
  t.same(
    certificate.spec.dnsNames,
    ['certguard', 'certguard.certguard', 'certguard.certguard.svc', 'certguard.certguard.svc.cluster.local'],
    "the Service's in-cluster names",
  );
  t.same(certificate.spec.issuerRef, { name: 'certguard-ca', kind: 'Issuer', group: 'cert-manager.io' }, 'signed by the chart’s own CA Issuer');
  t.equal(certificate.spec.secretName, 'certguard-tls', 'into the Secret the Deployment mounts');
  t.same(
    rendered.all('Issuer').map((i) => i.metadata.name),
    ['certguard-selfsigned', 'certguard-ca'],
    'a self-signed Issuer makes the CA, a CA Issuer signs with it',
  );
  const external = render({ certManager: { enabled: true, issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } } });
  t.same(
    [external.all('Issuer').length, external.all('Certificate').map((c) => c.metadata.name)],
    [0, ['certguard-tls']],
    'with an issuerRef, only the serving Certificate',
  );
});

t.test('bad combinations fail at render time with a reason', async (t) => {
  t.match(
    renderError({ config: { policies: { 'certificate-dns': { lookupTimeout: '5s' } } } }),
    "config.policies.certificate-dns.lookupTimeout (5s) must be below the webhook's timeoutSeconds (5 s), or every slow lookup times the whole call out",
    'a DNS budget at or above the webhook timeout',
  );
  t.match(
    renderError({ config: { policies: { 'certificate-dns': { lookupTimeout: '5000ms' } } } }),
    'config.policies.certificate-dns.lookupTimeout (5000ms) must be below',
    'in milliseconds too',
  );
  t.doesNotThrow(() => render({ config: { policies: { 'certificate-dns': { lookupTimeout: '4500ms' } } } }), 'below the timeout renders');
  t.match(
    renderError({ config: { policies: { 'certificate-dns': { lookupTimeout: '1s500ms' } } } }),
    'config.policies.certificate-dns.lookupTimeout (1s500ms): the chart compares it with the webhook timeout: write it in ms or s, e.g. 2s or 1500ms',
    'a spelling the chart cannot compare is refused, not guessed',
  );
  t.match(
    renderError({ bootstrap: { renewBeforeDays: 400 } }),
    'bootstrap.renewBeforeDays (400) must be less than bootstrap.validityDays (365)',
    'a renewal window longer than the validity',
  );
  t.match(
    renderError({ certManager: { enabled: true }, webhook: { caBundle: 'AAAA' } }),
    "webhook.caBundle and certManager.enabled are two sources for the webhooks' caBundle",
    'an explicit caBundle next to cainjector',
  );
});

// The chart cannot read a TypeScript property, so it decides validating/mutating from the mode
// itself (_helpers.tpl certguard.webhooks); this keeps that decision equal to each policy's own
// `admission` and to the endpoint the server routes it to, for every mode of every policy.
t.test('the chart registers each policy as the kind of webhook the policy declares', async (t) => {
  const modes = {
    'gateway-listener-tls': ['enforce', 'warn', 'off', 'placeholder'],
    'certificate-dns': ['enforce', 'warn', 'off'],
    'acme-solver-cap': ['enforce', 'warn', 'off'],
  };
  for (const [id, policyModes] of Object.entries(modes)) {
    for (const mode of policyModes) {
      const config = { policies: { [id]: { mode } } };
      const policy = buildPolicies(parseConfig(config), { logger: createLogger('silent') }).find((candidate) => candidate.id === id);
      const rendered = render({ config });
      const registered = (kind: string) => Object.keys(byName(rendered.find<Configuration>(kind))).includes(`${id}.certguard.io`);
      const expected = mode === 'off' ? 'none' : policy?.admission;
      const actual = registered('MutatingWebhookConfiguration') ? 'mutating' : registered('ValidatingWebhookConfiguration') ? 'validating' : 'none';
      t.equal(actual, expected, `${id} in mode ${mode}`);
      const path = byName(rendered.find<Configuration>(actual === 'mutating' ? 'MutatingWebhookConfiguration' : 'ValidatingWebhookConfiguration'))[
        `${id}.certguard.io`
      ]?.clientConfig.service?.path;
      if (policy && mode !== 'off') t.equal(path, `/${servedBy(policy)}/${id}`, `${id} in mode ${mode}: the chart's path is the server's endpoint`);
    }
  }
});
