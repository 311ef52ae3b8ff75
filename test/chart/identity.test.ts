// What the end-to-end harness grants certguard (test/chart/identity.ts, applied by test/e2e/harness/chart-identity.ts): the chart's
// values for a config and serve flags, and of their render only certguard serve's ServiceAccount,
// its bindings and roles, the secret fence and the namespaces rbac.namespaces creates.
import t from 'tap';
import { chartValuesFor, renderChartIdentity } from './identity.ts';

const names = (values: Record<string, unknown>) =>
  renderChartIdentity(values, { namespace: 'certguard', serviceAccount: 'certguard' }).map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);

t.test('serve flags become the chart values that pass them', async (t) => {
  t.same(chartValuesFor(), { config: {}, rbac: { namespaces: [] }, audit: { enabled: false } });
  t.same(chartValuesFor({ config: { a: 1 }, extraArgs: ['--audit', '--secret-namespaces=apps,web'] }), {
    config: { a: 1 },
    rbac: { namespaces: ['apps', 'web'] },
    audit: { enabled: true },
  });
  t.same(chartValuesFor({ extraArgs: ['--secret-namespaces', 'apps'] }).rbac, { namespaces: ['apps'] });
});

t.test("enforce mode: serve's ServiceAccount and roles, never the bootstrap's or the unbound break-glass role", async (t) => {
  t.same(names(chartValuesFor()), [
    'ServiceAccount/certguard/certguard',
    'ClusterRole//certguard',
    'ClusterRole//certguard-break-glass-check',
    'ClusterRoleBinding//certguard',
    'ClusterRoleBinding//certguard-break-glass-check',
  ]);
});

t.test('placeholder mode with --secret-namespaces and --audit: Roles there, the audit RBAC and the fence', async (t) => {
  const values = chartValuesFor({
    config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } },
    extraArgs: ['--audit', '--secret-namespaces=apps'],
  });
  t.same(names(values).sort(), [
    'ClusterRole//certguard',
    'ClusterRole//certguard-audit',
    'ClusterRole//certguard-break-glass-check',
    'ClusterRoleBinding//certguard',
    'ClusterRoleBinding//certguard-audit',
    'ClusterRoleBinding//certguard-break-glass-check',
    'Namespace//apps',
    'Role/apps/certguard-secrets',
    'Role/certguard/certguard-audit-lease',
    'RoleBinding/apps/certguard-secrets',
    'RoleBinding/certguard/certguard-audit-lease',
    'ServiceAccount/certguard/certguard',
    'ValidatingAdmissionPolicy//certguard-secret-fence',
    'ValidatingAdmissionPolicyBinding//certguard-secret-fence',
  ]);
});
