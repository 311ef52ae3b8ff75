// helm lint, and the workload objects the chart renders: Deployment hardening and probes, the
// ConfigMap the CLI reads, the bootstrap Job/CronJob, PDB, Service, optional monitoring objects.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load.ts';
import { runHelm } from '../helpers/helm.ts';
import { CHART, render, renderError, WITH_PROMETHEUS_OPERATOR, type K8sObject } from './render.ts';

type Container = {
  name: string;
  image: string;
  args: string[];
  ports?: { name: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  livenessProbe?: object;
  readinessProbe?: object;
  lifecycle?: object;
  securityContext: object;
  resources: object;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
};
type PodSpec = {
  serviceAccountName: string;
  securityContext: object;
  containers: Container[];
  volumes: { name: string; secret?: { secretName: string }; configMap?: { name: string } }[];
  topologySpreadConstraints?: { labelSelector: { matchLabels: Record<string, string> }; topologyKey: string }[];
};
type PodTemplate = { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
type Deployment = K8sObject & { spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: PodTemplate } };

const HARDENED_POD = { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } };
const HARDENED_CONTAINER = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ['ALL'] } };

const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);

t.test('helm lint passes for the default values and the other value sets', async (t) => {
  const sets = [
    [],
    ['--set', 'config.policies.gateway-listener-tls.mode=placeholder'],
    ['--set', 'certManager.enabled=true'],
    ['--set', 'serviceMonitor.enabled=true,prometheusRule.enabled=true,networkPolicy.enabled=true'],
  ];
  for (const args of sets) {
    const result = runHelm(['lint', '--strict', CHART, ...args]);
    t.equal(result.status, 0, `helm lint --strict ${args.join(' ') || '(defaults)'}${result.status === 0 ? '' : `: ${result.stdout}${result.stderr}`}`);
  }
});

t.test('the default render has exactly these objects', async (t) => {
  t.same(render().names, [
    'ClusterRole/certguard',
    'ClusterRole/certguard-audit',
    'ClusterRole/certguard-bootstrap',
    'ClusterRole/certguard-bootstrap-hook',
    'ClusterRole/certguard-break-glass',
    'ClusterRole/certguard-break-glass-check',
    'ClusterRoleBinding/certguard',
    'ClusterRoleBinding/certguard-audit',
    'ClusterRoleBinding/certguard-bootstrap',
    'ClusterRoleBinding/certguard-bootstrap-hook',
    'ClusterRoleBinding/certguard-break-glass-check',
    'ConfigMap/certguard',
    'CronJob/certguard-renew',
    'Deployment/certguard',
    'Job/certguard-bootstrap',
    'PodDisruptionBudget/certguard',
    'Role/certguard-audit-lease',
    'Role/certguard-bootstrap',
    'Role/certguard-bootstrap-hook',
    'RoleBinding/certguard-audit-lease',
    'RoleBinding/certguard-bootstrap',
    'RoleBinding/certguard-bootstrap-hook',
    'Service/certguard',
    'ServiceAccount/certguard',
    'ServiceAccount/certguard-bootstrap',
    'ServiceAccount/certguard-bootstrap-hook',
    'ValidatingWebhookConfiguration/certguard',
  ]);
});

t.test('Deployment: two hardened replicas, probes on the metrics port, the CLI flags, the certificate mounted as a directory', async (t) => {
  const rendered = render();
  const deployment = rendered.get<Deployment>('Deployment', 'certguard');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0] as Container;
  t.equal(deployment.spec.replicas, 2, 'two replicas by default');
  t.same(pod.securityContext, HARDENED_POD, 'non-root, seccomp RuntimeDefault');
  t.same(container.securityContext, HARDENED_CONTAINER, 'read-only root filesystem, no privilege escalation, all capabilities dropped');
  t.same(
    container.args,
    [
      'serve',
      '--port=8443',
      '--metrics-port=8080',
      '--bind-address=0.0.0.0',
      '--tls-cert=/etc/certguard/tls/tls.crt',
      '--tls-key=/etc/certguard/tls/tls.key',
      '--config=/etc/certguard/config/config.yaml',
      '--log-level=info',
      '--request-timeout=4000ms',
      '--audit',
    ],
    'certguard serve with its flags (the review deadline 1 s inside the webhooks’ 5 s timeoutSeconds, the periodic audit on: audit.enabled)',
  );
  t.equal(container.image, 'ghcr.io/certguard/certguard:0.1.0', 'the image tag defaults to appVersion');
  t.same(
    container.ports,
    [
      { name: 'https', containerPort: 8443, protocol: 'TCP' },
      { name: 'metrics', containerPort: 8080, protocol: 'TCP' },
    ],
    'admission HTTPS and metrics HTTP ports',
  );
  t.same(
    container.livenessProbe,
    { httpGet: { path: '/healthz', port: 'metrics' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    'liveness on /healthz',
  );
  t.same(
    container.readinessProbe,
    { httpGet: { path: '/readyz', port: 'metrics' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
    'readiness on /readyz',
  );
  t.same(container.lifecycle, { preStop: { sleep: { seconds: 5 } } }, 'preStop sleep while the endpoint is removed');
  t.same(
    container.resources,
    { requests: { cpu: '100m', memory: '160Mi' }, limits: { memory: '256Mi' } },
    'requests and a memory limit sized from bench/, no CPU limit',
  );
  t.same(
    container.env?.find((variable) => variable.name === 'NODE_OPTIONS'),
    { name: 'NODE_OPTIONS', value: '--max-semi-space-size=2 --max-old-space-size=160' },
    'V8 heap settings in step with the memory limit',
  );
  t.same(
    container.volumeMounts,
    [
      { name: 'tls', mountPath: '/etc/certguard/tls', readOnly: true },
      { name: 'config', mountPath: '/etc/certguard/config', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
    'whole-directory mounts (a subPath mount never sees a Secret update)',
  );
  t.same(pod.volumes.find((v) => v.name === 'tls')?.secret?.secretName, 'certguard-tls', 'the serving Secret the bootstrap makes');
  const labels = deployment.spec.template.metadata.labels;
  t.ok(matches(deployment.spec.selector.matchLabels, labels), 'the selector matches the pods');
  t.same(
    pod.topologySpreadConstraints?.map((c) => [c.topologyKey, c.labelSelector.matchLabels]),
    [
      ['kubernetes.io/hostname', deployment.spec.selector.matchLabels],
      ['topology.kubernetes.io/zone', deployment.spec.selector.matchLabels],
    ],
    'spread over nodes and zones, selecting this release’s pods',
  );
  t.match(deployment.spec.template.metadata.annotations?.['checksum/config'], /^[0-9a-f]{64}$/, 'a config change rolls the pods');
  const other = render({ config: { policies: { 'acme-solver-cap': { maxPerNamespace: 40 } } } }).get<Deployment>('Deployment');
  t.not(
    other.spec.template.metadata.annotations?.['checksum/config'],
    deployment.spec.template.metadata.annotations?.['checksum/config'],
    'the checksum follows the config',
  );
});

t.test('Service and PodDisruptionBudget select the webhook pods and never the bootstrap pods', async (t) => {
  const rendered = render();
  const podLabels = rendered.get<Deployment>('Deployment').spec.template.metadata.labels;
  const jobLabels = rendered.get<{ spec: { template: PodTemplate } }>('Job').spec.template.metadata.labels;
  const service = rendered.get<{ spec: { selector: Record<string, string>; ports: object[] } }>('Service');
  t.ok(matches(service.spec.selector, podLabels), 'the Service selects the Deployment’s pods');
  t.notOk(matches(service.spec.selector, jobLabels), 'the Service does not select the bootstrap Job’s pods (they do not listen)');
  t.same(
    service.spec.ports,
    [
      { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
      { name: 'metrics', port: 8080, targetPort: 'metrics', protocol: 'TCP' },
    ],
    'port 443 for the API server, 8080 for metrics',
  );
  const pdb = rendered.get<{ spec: { minAvailable: number; unhealthyPodEvictionPolicy: string; selector: { matchLabels: Record<string, string> } } }>(
    'PodDisruptionBudget',
  );
  t.same([pdb.spec.minAvailable, pdb.spec.unhealthyPodEvictionPolicy], [1, 'AlwaysAllow'], 'one replica always up; a crash-looping one does not block drains');
  t.ok(matches(pdb.spec.selector.matchLabels, podLabels) && !matches(pdb.spec.selector.matchLabels, jobLabels), 'the PDB selects only the webhook pods');
  t.equal(render({ replicaCount: 1 }).find('PodDisruptionBudget'), undefined, 'no PDB for a single replica (it would block every drain)');
});

t.test('ConfigMap: what `certguard serve --config` accepts', async (t) => {
  const config = (values: object) =>
    parse((render(values).get<{ data: Record<string, string> }>('ConfigMap').data as Record<string, string>)['config.yaml'] ?? '');
  t.same(
    config({}),
    {
      apiVersion: 'certguard.io/v1alpha1',
      kind: 'Configuration',
      policies: {
        'gateway-listener-tls': { mode: 'enforce' },
        'certificate-dns': { mode: 'enforce' },
        'acme-solver-cap': { mode: 'enforce' },
        'tls-secret-in-use': { mode: 'enforce' },
        'certificate-issuable': { mode: 'enforce' },
      },
      breakGlass: { authorization: 'rbac', clusterRole: 'certguard-break-glass' },
    },
    'the default values',
  );
  const custom = {
    policies: {
      'gateway-listener-tls': { mode: 'placeholder', placeholder: { validity: '3d' } },
      'certificate-dns': { mode: 'warn', ingress: { addresses: ['203.0.113.10'] } },
    },
    cluster: { staleAfter: '1m' },
  };
  const rendered = config({ config: custom });
  t.same(rendered.policies['certificate-dns'], { mode: 'warn', ingress: { addresses: ['203.0.113.10'] } }, 'values pass through unchanged');
  t.doesNotThrow(() => parseConfig(rendered, 'rendered ConfigMap'), 'the config loader accepts the rendered config');
  t.equal(parseConfig(rendered).policies['gateway-listener-tls'].placeholder.validityDays, 3, 'and reads the same values');
  t.equal(parseConfig(rendered).cluster.staleAfterSeconds, 60, 'durations with units included');
  t.match(
    renderError({ config: { cluster: { staleAfterSeconds: 60 } } }),
    /additional properties 'staleAfterSeconds' not allowed/,
    'an unversioned key is refused by helm, naming it',
  );
});

t.test('bootstrap: a hook Job at pre/post install and upgrade, and a renewal CronJob', async (t) => {
  const rendered = render();
  const job = rendered.get<K8sObject & { spec: { template: PodTemplate } }>('Job', 'certguard-bootstrap');
  t.same(
    job.metadata.annotations,
    {
      'helm.sh/hook': 'pre-install,pre-upgrade,post-install,post-upgrade',
      'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
      'helm.sh/hook-weight': '0',
    },
    'hook annotations',
  );
  const expectedArgs = [
    'bootstrap',
    '--namespace=certguard',
    '--service=certguard',
    '--ca-secret=certguard-ca',
    '--tls-secret=certguard-tls',
    '--validating-webhook-configuration=certguard',
    '--mutating-webhook-configuration=certguard',
    '--ca-validity=1825d',
    '--ca-renew-before=365d',
    '--validity=365d',
    '--renew-before=60d',
    '--label=app.kubernetes.io/name=certguard',
    '--label=app.kubernetes.io/instance=certguard',
  ];
  const jobPod = job.spec.template.spec;
  t.same(jobPod.containers[0]?.args, expectedArgs, 'certguard bootstrap with its flags');
  t.equal(jobPod.serviceAccountName, 'certguard-bootstrap-hook', 'the hook’s own ServiceAccount');
  t.same([jobPod.securityContext, jobPod.containers[0]?.securityContext], [HARDENED_POD, HARDENED_CONTAINER], 'hardened like the Deployment');
  for (const kind of ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']) {
    t.same(
      rendered.get(kind, 'certguard-bootstrap-hook').metadata.annotations,
      {
        'helm.sh/hook': 'pre-install,pre-upgrade,post-install,post-upgrade',
        'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
        'helm.sh/hook-weight': '-10',
      },
      `the hook's ${kind} is created before the Job and deleted after it succeeds`,
    );
  }
  const cron = rendered.get<K8sObject & { spec: { schedule: string; concurrencyPolicy: string; jobTemplate: { spec: { template: PodTemplate } } } }>(
    'CronJob',
    'certguard-renew',
  );
  t.same([cron.spec.schedule, cron.spec.concurrencyPolicy], ['17 3 * * *', 'Forbid'], 'daily, never two at once');
  t.same(cron.spec.jobTemplate.spec.template.spec.containers[0]?.args, expectedArgs, 'the same command as the hook');
  t.equal(cron.spec.jobTemplate.spec.template.spec.serviceAccountName, 'certguard-bootstrap', 'a ServiceAccount that lives with the release');
  const noRenewal = render({ bootstrap: { renewal: { enabled: false }, extraDnsNames: ['certguard.example.com'] } });
  t.same([noRenewal.find('CronJob'), noRenewal.find('ServiceAccount', 'certguard-bootstrap')], [undefined, undefined], 'renewal can be turned off');
  t.same(
    noRenewal.get<{ spec: { template: PodTemplate } }>('Job').spec.template.spec.containers[0]?.args.at(-1),
    '--dns=certguard.example.com',
    'extra DNS names reach the command',
  );
  const none = render({ bootstrap: { enabled: false }, webhook: { caBundle: 'AAAA' } });
  t.same(
    [none.find('Job'), none.find('CronJob'), none.find('Certificate')],
    [undefined, undefined, undefined],
    'bootstrap off: no certificate machinery at all',
  );
});

t.test('optional ServiceMonitor, PrometheusRule (the docs/ alerts) and NetworkPolicy', async (t) => {
  const rendered = render(
    { serviceMonitor: { enabled: true, labels: { release: 'prom' } }, prometheusRule: { enabled: true }, networkPolicy: { enabled: true } },
    WITH_PROMETHEUS_OPERATOR,
  );
  const podLabels = rendered.get<Deployment>('Deployment').spec.template.metadata.labels;
  const monitor = rendered.get<K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: object[] } }>('ServiceMonitor');
  t.ok(matches(monitor.spec.selector.matchLabels, rendered.get('Service').metadata.labels ?? {}), 'the ServiceMonitor selects the Service');
  t.equal(monitor.metadata.labels?.release, 'prom', 'with the labels a Prometheus selects on');
  t.same(
    monitor.spec.endpoints,
    [{ port: 'metrics', path: '/metrics', scheme: 'http', honorLabels: true, interval: '30s', scrapeTimeout: '10s' }],
    "scrapes /metrics, keeping certguard's namespace label",
  );
  t.match(
    renderError({ serviceMonitor: { enabled: true } }),
    /serviceMonitor\.enabled needs the Prometheus Operator's ServiceMonitor CRD \(monitoring\.coreos\.com\/v1\), which this cluster does not serve: install the Operator \(or kube-prometheus-stack\) first, or set serviceMonitor\.enabled=false/,
  );
  t.match(
    renderError({ prometheusRule: { enabled: true } }),
    /prometheusRule\.enabled needs the Prometheus Operator's PrometheusRule CRD \(monitoring\.coreos\.com\/v1\), which this cluster does not serve/,
  );
  const docs = parse(readFileSync(join(CHART, '..', '..', 'docs', 'prometheus-rules.yaml'), 'utf8')) as { groups: object[] };
  const copy = parse(readFileSync(join(CHART, 'files', 'prometheus-rules.yaml'), 'utf8')) as { groups: object[] };
  t.same(copy.groups, docs.groups, 'files/prometheus-rules.yaml is docs/prometheus-rules.yaml (copy it over after a change)');
  t.same(rendered.get<{ spec: { groups: object[] } }>('PrometheusRule').spec.groups, docs.groups, 'the PrometheusRule carries exactly those groups');
  const extra = { name: 'mine', rules: [{ alert: 'Mine', expr: 'vector(1)' }] };
  t.same(
    render({ prometheusRule: { enabled: true, additionalGroups: [extra] } }, WITH_PROMETHEUS_OPERATOR)
      .get<{ spec: { groups: object[] } }>('PrometheusRule')
      .spec.groups.at(-1),
    extra,
    'additional groups are appended',
  );
  const policy = rendered.get<K8sObject & { spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress: object[] } }>(
    'NetworkPolicy',
  );
  t.ok(matches(policy.spec.podSelector.matchLabels, podLabels), 'applies to the webhook pods');
  t.same(policy.spec.policyTypes, ['Ingress'], 'egress unrestricted unless rules are given');
  t.same(
    policy.spec.ingress,
    [{ ports: [{ port: 'https', protocol: 'TCP' }] }, { ports: [{ port: 'metrics', protocol: 'TCP' }], from: [{ namespaceSelector: {} }] }],
    'admission from anywhere (the API server), metrics from the configured peers',
  );
  const egress = render({ networkPolicy: { enabled: true, egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] } }).get<{ spec: { policyTypes: string[] } }>(
    'NetworkPolicy',
  );
  t.same(egress.spec.policyTypes, ['Ingress', 'Egress'], 'egress rules turn on egress policy');
});

t.test('NOTES.txt shows a dry run that certguard denies', async (t) => {
  const notes = (values: string[]) =>
    runHelm(['install', 'certguard', CHART, '--namespace', 'certguard', '--dry-run=client', ...values]).stdout.split('NOTES:')[1] ?? '';
  const enforce = notes([]);
  t.match(enforce, "kubectl apply --dry-run=server -f - <<'YAML'", 'a server-side dry run');
  t.match(enforce, 'admission webhook\n     "gateway-listener-tls.certguard.io" denied the request: spec.listeners[0] "https"', 'the expected denial');
  t.match(
    notes(['--set', 'config.policies.gateway-listener-tls.mode=placeholder']),
    'Expected (placeholder mode): the Gateway is accepted with a warning',
    'placeholder mode expects a warning, not a denial',
  );
});
