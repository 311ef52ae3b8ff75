// The secret fence (templates/secret-fence.yaml, docs/security.md): a ValidatingAdmissionPolicy
// and its binding, rendered exactly when certguard may create Secrets (placeholder mode). What the
// API server does with them is test/e2e/secret-fence.test.ts.
import t from 'tap';
import { render, type K8sObject } from './render.ts';

type Policy = K8sObject & {
  spec: {
    failurePolicy: string;
    matchConstraints: { resourceRules: { apiGroups: string[]; resources: string[]; operations: string[] }[] };
    matchConditions: { name: string; expression: string }[];
    variables: { name: string; expression: string }[];
    validations: { expression: string; messageExpression: string; reason: string }[];
  };
};
type Binding = K8sObject & { spec: { policyName: string; validationActions: string[]; matchResources?: object } };

const PLACEHOLDER = { config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } } };
const variable = (policy: Policy, name: string): string | undefined => policy.spec.variables.find((v) => v.name === name)?.expression;

t.test('rendered only in placeholder mode', async (t) => {
  for (const mode of ['enforce', 'warn', 'off']) {
    const rendered = render({ config: { policies: { 'gateway-listener-tls': { mode } } } });
    t.same(
      [rendered.all('ValidatingAdmissionPolicy'), rendered.all('ValidatingAdmissionPolicyBinding')],
      [[], []],
      `${mode}: no policy, no binding (certguard cannot create Secrets)`,
    );
  }
  const rendered = render(PLACEHOLDER);
  t.same(
    rendered.names.filter((name) => name.startsWith('ValidatingAdmissionPolicy')),
    ['ValidatingAdmissionPolicy/certguard-secret-fence', 'ValidatingAdmissionPolicyBinding/certguard-secret-fence'],
  );
});

t.test('the policy: certguard’s ServiceAccount, every write to a Secret, failing closed', async (t) => {
  const policy = render(PLACEHOLDER).get<Policy>('ValidatingAdmissionPolicy');
  t.equal(policy.apiVersion, 'admissionregistration.k8s.io/v1');
  t.equal(policy.spec.failurePolicy, 'Fail', 'it guards an identity: an error refuses certguard, not users');
  t.same(
    policy.spec.matchConstraints.resourceRules,
    [{ apiGroups: [''], apiVersions: ['*'], resources: ['secrets'], operations: ['CREATE', 'UPDATE', 'DELETE'] }],
    'create, update (and patch, which is an UPDATE) and delete of Secrets',
  );
  t.same(
    policy.spec.matchConditions,
    [{ name: 'certguard-service-account', expression: "request.userInfo.username == 'system:serviceaccount:certguard:certguard'" }],
    'only certguard’s requests',
  );
  t.same(
    policy.spec.validations.map((v) => [v.expression, v.reason]),
    [['size(variables.violations) == 0', 'Forbidden']],
    'one validation: every broken rule in one message',
  );
  t.equal(variable(policy, 'excludedNamespaces'), '["kube-system","certguard"]', 'kube-system and the release namespace, like the webhooks');
  t.equal(
    variable(policy, 'optedOut'),
    "has(namespaceObject.metadata.labels) && namespaceObject.metadata.labels[?'certguard.io/exclude'].orValue('') == 'true'",
    'the opt-out label, like the webhooks',
  );
  t.equal(variable(policy, 'allowedNamespaces'), '[]', 'no rbac.namespaces: every other namespace');
  const binding = render(PLACEHOLDER).get<Binding>('ValidatingAdmissionPolicyBinding');
  t.same(
    [binding.spec.policyName, binding.spec.validationActions, binding.spec.matchResources],
    ['certguard-secret-fence', ['Deny'], undefined],
    'bound cluster-wide, denying',
  );
});

t.test('follows the release, the ServiceAccount and the namespace settings', async (t) => {
  const rendered = render(
    {
      ...PLACEHOLDER,
      serviceAccount: { name: 'guard-sa' },
      webhook: { excludeNamespaces: ['flux-system', 'kube-system'], optOutLabel: '' },
      rbac: { namespaces: ['apps', 'web'] },
    },
    { release: 'guard', namespace: 'security' },
  );
  const policy = rendered.get<Policy>('ValidatingAdmissionPolicy', 'guard-certguard-secret-fence');
  t.equal(policy.spec.matchConditions[0]?.expression, "request.userInfo.username == 'system:serviceaccount:security:guard-sa'");
  t.equal(variable(policy, 'excludedNamespaces'), '["kube-system","security","flux-system"]', 'webhook.excludeNamespaces added, once each');
  t.equal(variable(policy, 'optedOut'), 'false', 'no opt-out label configured');
  t.equal(variable(policy, 'allowedNamespaces'), '["apps","web"]', 'rbac.namespaces: only there');
  t.equal(rendered.get<Binding>('ValidatingAdmissionPolicyBinding').spec.policyName, 'guard-certguard-secret-fence');
});
