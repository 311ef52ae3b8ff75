// Least privilege, checked against the code: certguard serve may get/list/watch exactly the
// resources of its cluster view (src/cluster/resources.ts), create Secrets only in placeholder
// mode, and nothing else. The bootstrap may touch only its two Secrets and its two webhook
// configurations.
import t from 'tap';
import { parse } from 'yaml';
import { RESOURCES } from '../../src/cluster/resources.ts';
import { render, type Rendered, type K8sObject } from './render.ts';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
type Role = K8sObject & { rules: Rule[] };

/** Every (group, resource, verb[, name]) a set of rules grants, as sorted strings. */
const grants = (rules: Rule[]): string[] =>
  rules
    .flatMap((rule) =>
      rule.apiGroups.flatMap((group) =>
        rule.resources.flatMap((resource) =>
          rule.verbs.flatMap((verb) =>
            (rule.resourceNames ?? ['*any*']).map((name) => `${group || 'core'}/${resource} ${verb}${name === '*any*' ? '' : ` ${name}`}`),
          ),
        ),
      ),
    )
    .sort();

/** get/list/watch on each watched resource, get alone on a get-only one (ConfigMaps: GET by name). */
const viewGrants = (): string[] =>
  [...new Set(Object.values(RESOURCES).map((resource) => `${resource.group || 'core'}/${resource.plural}${resource.getOnly ? ' get-only' : ''}`))]
    .flatMap((entry) => {
      const [resource, getOnly] = entry.split(' ');
      return (getOnly ? ['get'] : ['get', 'list', 'watch']).map((verb) => `${resource} ${verb}`);
    })
    .sort();

const allRoles = (rendered: Rendered): Role[] => [...rendered.all<Role>('ClusterRole'), ...rendered.all<Role>('Role')];

const withoutServices = (): string[] => viewGrants().filter((grant) => !grant.startsWith('core/services '));

t.test('certguard serve: get/list/watch exactly the cluster view’s resources', async (t) => {
  const role = render().get<Role>('ClusterRole', 'certguard');
  t.same(grants(role.rules), withoutServices(), 'the ClusterRole equals src/cluster/resources.ts, less Services: no ingress Service is configured by default');
  t.equal(render().find('Role', 'certguard-services'), undefined, 'and no Role for Services either');
  t.same(
    render({ config: { policies: { 'gateway-listener-tls': { mode: 'warn' } } } }).get<Role>('ClusterRole', 'certguard').rules,
    role.rules,
    'warn mode grants nothing more',
  );
});

t.test('Services in one namespace only when every configured ingress Service is there (as serve watches them)', async (t) => {
  const ingress = (services: { namespace: string; name: string }[]) => ({ config: { policies: { 'certificate-dns': { ingress: { services } } } } });
  const one = render(
    ingress([
      { namespace: 'traefik', name: 'traefik' },
      { namespace: 'traefik', name: 'traefik-internal' },
    ]),
  );
  t.same(
    grants(one.get<Role>('ClusterRole', 'certguard').rules),
    viewGrants().filter((grant) => !grant.startsWith('core/services ')),
    'no cluster-wide Services',
  );
  const role = one.get<Role>('Role', 'certguard-services');
  t.same(
    [role.metadata.namespace, grants(role.rules)],
    ['traefik', ['core/services get', 'core/services list', 'core/services watch']],
    'a Role in the Services’ namespace',
  );
  const binding = one.get<K8sObject & { subjects: object[]; roleRef: { kind: string; name: string } }>('RoleBinding', 'certguard-services');
  t.same(
    [binding.metadata.namespace, binding.roleRef.name, binding.subjects],
    ['traefik', 'certguard-services', [{ kind: 'ServiceAccount', name: 'certguard', namespace: 'certguard' }]],
    'bound to certguard’s ServiceAccount',
  );
  const two = render(
    ingress([
      { namespace: 'traefik', name: 'traefik' },
      { namespace: 'ingress-nginx', name: 'ingress-nginx-controller' },
    ]),
  );
  t.same(
    [grants(two.get<Role>('ClusterRole', 'certguard').rules), two.find('Role', 'certguard-services')],
    [viewGrants(), undefined],
    'two namespaces: cluster-wide, like serve',
  );
});

t.test('placeholder mode adds create on Secrets, and only that', async (t) => {
  const role = render({ config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } } }).get<Role>('ClusterRole', 'certguard');
  t.same(grants(role.rules), [...withoutServices(), 'core/secrets create'].sort(), 'the view’s grants plus core/secrets create');
});

t.test('the bootstrap: its two Secrets and its two webhook configurations', async (t) => {
  const rendered = render({}, { release: 'guard', namespace: 'security' });
  for (const name of ['guard-certguard-bootstrap', 'guard-certguard-bootstrap-hook']) {
    const role = rendered.get<Role>('Role', name);
    t.equal(role.metadata.namespace, 'security', `${name}: a namespaced Role in the release namespace`);
    t.same(
      grants(role.rules),
      [
        'core/secrets create',
        'core/secrets get guard-certguard-ca',
        'core/secrets get guard-certguard-tls',
        'core/secrets update guard-certguard-ca',
        'core/secrets update guard-certguard-tls',
      ],
      `${name}: get/update its Secrets by name; create cannot be limited by name`,
    );
    t.same(
      grants(rendered.get<Role>('ClusterRole', name).rules),
      [
        'admissionregistration.k8s.io/mutatingwebhookconfigurations get guard-certguard',
        'admissionregistration.k8s.io/mutatingwebhookconfigurations patch guard-certguard',
        'admissionregistration.k8s.io/validatingwebhookconfigurations get guard-certguard',
        'admissionregistration.k8s.io/validatingwebhookconfigurations patch guard-certguard',
      ],
      `${name}: get/patch its own webhook configurations by name`,
    );
    const binding = rendered.get<K8sObject & { subjects: { name: string; namespace: string }[]; roleRef: { name: string } }>('ClusterRoleBinding', name);
    t.same(
      [binding.roleRef.name, binding.subjects],
      [name, [{ kind: 'ServiceAccount', name, namespace: 'security' }]],
      `${name}: bound to its own ServiceAccount only`,
    );
  }
  t.equal(
    rendered.get<K8sObject & { subjects: { name: string }[] }>('ClusterRoleBinding', 'guard-certguard').subjects[0]?.name,
    'guard-certguard',
    'certguard serve runs under its own ServiceAccount, which has no bootstrap rights',
  );
});

t.test('no wildcard and no write verb beyond the ones above, in any value set', async (t) => {
  const sets = [
    {},
    { config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } } },
    { certManager: { enabled: true } },
    { config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } }, rbac: { namespaces: ['apps'] } },
  ];
  for (const values of sets) {
    const all = allRoles(render(values)).flatMap((role) => grants(role.rules).map((grant) => `${role.metadata.name}: ${grant}`));
    t.same(
      all.filter((grant) => grant.includes('*')),
      [],
      `${JSON.stringify(values)}: no wildcard`,
    );
    t.same(
      all.filter((grant) => / (delete|deletecollection|escalate|bind|impersonate)\b/.test(grant)),
      [],
      `${JSON.stringify(values)}: no delete, escalate, bind or impersonate`,
    );
  }
  t.same(
    render({ rbac: { create: false } })
      .all('ClusterRole')
      .map((role) => role.metadata.name)
      .sort(),
    ['certguard-bootstrap', 'certguard-bootstrap-hook'],
    'rbac.create=false leaves certguard serve’s RBAC to the admin',
  );
});

t.test('rbac.namespaces: Secrets through Roles in those namespaces only, and serve watches only there', async (t) => {
  for (const placeholder of [false, true]) {
    const values = {
      rbac: { namespaces: ['apps', 'web'] },
      ...(placeholder ? { config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } } } : {}),
    };
    const rendered = render(values);
    const label = placeholder ? 'placeholder mode' : 'enforce mode';
    t.same(
      grants(rendered.get<Role>('ClusterRole', 'certguard').rules),
      withoutServices().filter((grant) => !grant.startsWith('core/secrets ') && !grant.startsWith('core/configmaps ')),
      `${label}: no Secret or ConfigMap access cluster-wide`,
    );
    t.same(
      rendered.all<K8sObject>('Namespace').map((ns) => [ns.metadata.name, ns.metadata.annotations?.['helm.sh/resource-policy']]),
      [
        ['apps', 'keep'],
        ['web', 'keep'],
      ],
      `${label}: a listed namespace the cluster lacks is created, and kept (helm template sees none)`,
    );
    const roles = rendered.all<Role>('Role').filter((role) => role.metadata.name === 'certguard-secrets');
    const secretGrants = [
      'core/configmaps get',
      'core/secrets get',
      'core/secrets list',
      'core/secrets watch',
      ...(placeholder ? ['core/secrets create'] : []),
    ].sort();
    t.same(
      roles.map((role) => [role.metadata.namespace, grants(role.rules)]),
      [
        ['apps', secretGrants],
        ['web', secretGrants],
      ],
      `${label}: a Role per listed namespace`,
    );
    const bindings = rendered
      .all<K8sObject & { subjects: object[]; roleRef: { name: string } }>('RoleBinding')
      .filter((binding) => binding.metadata.name === 'certguard-secrets');
    t.same(
      bindings.map((binding) => [binding.metadata.namespace, binding.roleRef.name, binding.subjects]),
      ['apps', 'web'].map((ns) => [ns, 'certguard-secrets', [{ kind: 'ServiceAccount', name: 'certguard', namespace: 'certguard' }]]),
      `${label}: bound to certguard’s ServiceAccount`,
    );
    const args =
      rendered.get<K8sObject & { spec: { template: { spec: { containers: { args: string[] }[] } } } }>('Deployment').spec.template.spec.containers[0]?.args ??
      [];
    t.same(
      args.filter((arg) => arg.startsWith('--secret-namespaces')),
      ['--secret-namespaces=apps,web'],
      `${label}: serve watches Secrets only there`,
    );
  }
  const args =
    render().get<K8sObject & { spec: { template: { spec: { containers: { args: string[] }[] } } } }>('Deployment').spec.template.spec.containers[0]?.args ?? [];
  t.same(
    args.filter((arg) => arg.startsWith('--secret-namespaces')),
    [],
    'by default serve watches Secrets everywhere',
  );
});

t.test('break glass: certguard may ask SubjectAccessReviews and post Events, admins get a ClusterRole to bind', async (t) => {
  const rendered = render({}, { release: 'guard', namespace: 'security' });
  t.same(grants(rendered.get<Role>('ClusterRole', 'guard-certguard-break-glass-check').rules), [
    'authorization.k8s.io/subjectaccessreviews create',
    'core/events create',
  ]);
  const binding = rendered.get<K8sObject & { subjects: object[]; roleRef: { name: string } }>('ClusterRoleBinding', 'guard-certguard-break-glass-check');
  t.same(
    [binding.roleRef.name, binding.subjects],
    ['guard-certguard-break-glass-check', [{ kind: 'ServiceAccount', name: 'guard-certguard', namespace: 'security' }]],
  );
  t.same(
    grants(rendered.get<Role>('ClusterRole', 'guard-certguard-break-glass').rules),
    ['certguard.io/breakglass use certificate-dns', 'certguard.io/breakglass use certificate-issuable', 'certguard.io/breakglass use tls-secret-in-use'],
    'verb use on each policy with a break glass',
  );
  const config = parse(rendered.get<K8sObject & { data: Record<string, string> }>('ConfigMap', 'guard-certguard').data['config.yaml'] ?? '') as {
    breakGlass: unknown;
  };
  t.same(config.breakGlass, { authorization: 'rbac', clusterRole: 'guard-certguard-break-glass' }, 'the messages name the chart’s ClusterRole');
  const annotation = render({ config: { breakGlass: { authorization: 'annotation' } } });
  t.same(grants(annotation.get<Role>('ClusterRole', 'certguard-break-glass-check').rules), ['core/events create'], 'annotation alone: no SubjectAccessReviews');
  const configured = parse(annotation.get<K8sObject & { data: Record<string, string> }>('ConfigMap', 'certguard').data['config.yaml'] ?? '') as {
    breakGlass: unknown;
  };
  t.same(configured.breakGlass, { authorization: 'annotation', clusterRole: 'certguard-break-glass' });
});
