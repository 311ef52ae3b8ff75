// The periodic audit's chart side: on by default (serve --audit, POD_NAME for the Lease), with
// exactly the RBAC it needs — and none of it when audit.enabled is false.
import t from 'tap';
import { helmTemplate, render, type K8sObject } from './render.ts';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
type Role = K8sObject & { rules: Rule[] };
type Deployment = K8sObject & {
  spec: { template: { spec: { containers: Array<{ args: string[]; env: Array<{ name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }> }> } } };
};

const grants = (rules: Rule[]): string[] =>
  rules
    .flatMap((rule) =>
      rule.apiGroups.flatMap((group) =>
        rule.resources.flatMap((resource) =>
          rule.verbs.map((verb) => `${group || 'core'}/${resource} ${verb}${rule.resourceNames ? ` ${rule.resourceNames.join(',')}` : ''}`),
        ),
      ),
    )
    .sort();

t.test('audit.enabled (default): serve --audit with its pod name, and exactly the audit RBAC', async (t) => {
  const rendered = render({}, { release: 'certguard', namespace: 'security' });
  const container = rendered.get<Deployment>('Deployment').spec.template.spec.containers[0];
  t.ok(container?.args.includes('--audit'));
  t.same(
    container?.env.filter((env) => env.name === 'POD_NAME' || env.name === 'POD_NAMESPACE').map((env) => [env.name, env.valueFrom?.fieldRef?.fieldPath]),
    [
      ['POD_NAMESPACE', 'metadata.namespace'],
      ['POD_NAME', 'metadata.name'],
    ],
  );
  t.same(grants(rendered.get<Role>('ClusterRole', 'certguard-audit').rules), [
    'acme.cert-manager.io/challenges list',
    'acme.cert-manager.io/orders list',
    'cert-manager.io/certificaterequests list',
    'cert-manager.io/certificates get',
    'cert-manager.io/certificates list',
    'core/events create',
    'core/events patch',
    'openreports.io/clusterreports create',
    'openreports.io/clusterreports get',
    'openreports.io/clusterreports list',
    'openreports.io/clusterreports update',
    'openreports.io/reports create',
    'openreports.io/reports get',
    'openreports.io/reports list',
    'openreports.io/reports update',
    'wgpolicyk8s.io/clusterpolicyreports create',
    'wgpolicyk8s.io/clusterpolicyreports get',
    'wgpolicyk8s.io/clusterpolicyreports list',
    'wgpolicyk8s.io/clusterpolicyreports update',
    'wgpolicyk8s.io/policyreports create',
    'wgpolicyk8s.io/policyreports get',
    'wgpolicyk8s.io/policyreports list',
    'wgpolicyk8s.io/policyreports update',
  ]);
  const lease = rendered.get<Role>('Role', 'certguard-audit-lease');
  t.equal(lease.metadata.namespace, 'security', 'the Lease Role lives in the release namespace');
  t.same(grants(lease.rules), [
    'coordination.k8s.io/leases create',
    'coordination.k8s.io/leases get certguard-audit',
    'coordination.k8s.io/leases update certguard-audit',
  ]);
});

t.test('audit.enabled=false: no --audit and no audit RBAC', async (t) => {
  const rendered = render({ audit: { enabled: false } });
  t.notOk(rendered.get<Deployment>('Deployment').spec.template.spec.containers[0]?.args.includes('--audit'));
  t.equal(rendered.find('ClusterRole', 'certguard-audit'), undefined);
  t.equal(rendered.find('Role', 'certguard-audit-lease'), undefined);
});

t.test('no CRD it does not own: the report CRDs come from Kyverno, Policy Reporter or OpenReports', async (t) => {
  t.same(render({}).all('CustomResourceDefinition'), []);
  const refused = helmTemplate({ policyReports: { installCRD: true } });
  t.not(refused.status, 0, 'the removed value is an error, not silently ignored');
  t.match(refused.stderr, /policyReports/);
});
