// values.schema.json: its `config` section is the CLI's config schema, and helm refuses bad
// values with the schema's message before anything reaches the cluster.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configSchema } from '../../src/config/schema.ts';
import { defaultConfig, parseConfig } from '../../src/config/load.ts';
import { CHART, render, renderError } from './render.ts';
import { chartConfigSchema, readValuesSchema, syncedValuesSchema, VALUES_SCHEMA_PATH } from './values-schema.ts';

const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as { config: unknown; webhooks: Record<string, unknown> };

t.test('the config section cannot drift from src/config/schema.ts', async (t) => {
  t.same(
    readValuesSchema().properties.config,
    chartConfigSchema(),
    'values.schema.json#/properties/config equals configSchema (run `node test/chart/values-schema.ts --write`)',
  );
  t.equal(readFileSync(VALUES_SCHEMA_PATH, 'utf8'), syncedValuesSchema(), 'and the file is as the sync script writes it');
  t.doesNotThrow(() => parseConfig(values.config, 'values.yaml config'), 'values.yaml’s config is a valid certguard config');
  t.same(
    Object.keys(values.webhooks).sort(),
    Object.keys(configSchema.properties.policies.properties).sort(),
    'every policy has its webhook in values.webhooks, and no webhook lacks a policy',
  );
});

t.test('the chart’s default mode is the config schema’s default', async (t) => {
  const rendered = render({ config: { policies: null } });
  const names = rendered.get<{ webhooks: { name: string }[] }>('ValidatingWebhookConfiguration').webhooks.map((w) => w.name);
  t.same(
    names,
    [
      'acme-solver-cap.certguard.io',
      'certificate-dns.certguard.io',
      'certificate-issuable.certguard.io',
      'gateway-listener-tls.certguard.io',
      'tls-secret-in-use.certguard.io',
    ],
    'with no modes given, every policy is a validating webhook',
  );
  t.same(
    Object.values(defaultConfig().policies).map((p) => p.mode),
    ['enforce', 'enforce', 'enforce', 'enforce', 'enforce'],
    'and certguard defaults every mode to enforce (not placeholder, not off)',
  );
});

t.test('bad values are refused with the schema’s message', async (t) => {
  const cases: { name: string; values: object; error: string }[] = [
    { name: 'an unknown top-level key', values: { replicas: 3 }, error: "at '': additional properties 'replicas' not allowed" },
    {
      name: 'a misspelled policy setting',
      values: { config: { policies: { 'acme-solver-cap': { maxPerNamespce: 10 } } } },
      error: "at '/config/policies/acme-solver-cap': additional properties 'maxPerNamespce' not allowed",
    },
    {
      name: 'a mode the policy does not have',
      values: { config: { policies: { 'certificate-dns': { mode: 'placeholder' } } } },
      error: "at '/config/policies/certificate-dns/mode': value must be one of 'enforce', 'warn', 'off'",
    },
    {
      name: 'an unknown policy in config',
      values: { config: { policies: { 'no-such-policy': { mode: 'enforce' } } } },
      error: "at '/config/policies': additional properties 'no-such-policy' not allowed",
    },
    {
      name: 'a webhook for an unknown policy',
      values: { webhooks: { 'no-such-policy': { rules: [] } } },
      error: "at '/webhooks': additional properties 'no-such-policy' not allowed",
    },
    {
      name: 'a failurePolicy Kubernetes does not know',
      values: { webhook: { failurePolicy: 'Maybe' } },
      error: "at '/webhook/failurePolicy': value must be one of 'Ignore', 'Fail'",
    },
    {
      name: 'a timeout above the API server’s 30 s maximum',
      values: { webhook: { timeoutSeconds: 31 } },
      error: "at '/webhook/timeoutSeconds': maximum: got 31, want 30",
    },
    {
      name: 'a timeout with no room for the review deadline and its 1 s margin',
      values: { webhooks: { 'acme-solver-cap': { timeoutSeconds: 1 } } },
      error: "at '/webhooks/acme-solver-cap/timeoutSeconds': minimum: got 1, want 2",
    },
    {
      name: 'a per-policy failurePolicy in the wrong case',
      values: { webhooks: { 'acme-solver-cap': { failurePolicy: 'fail' } } },
      error: "at '/webhooks/acme-solver-cap/failurePolicy': value must be one of 'Ignore', 'Fail'",
    },
    {
      name: 'a rule with an unknown operation',
      values: { webhooks: { 'acme-solver-cap': { rules: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['PATCH'] }] } } },
      error: "at '/webhooks/acme-solver-cap/rules/0/operations/0': value must be one of 'CREATE', 'UPDATE', 'DELETE', 'CONNECT', '*'",
    },
    {
      name: 'an excluded namespace that is not a namespace name',
      values: { webhook: { excludeNamespaces: ['Team_A'] } },
      error: "at '/webhook/excludeNamespaces/0': 'Team_A' does not match pattern",
    },
    {
      name: 'a plain-HTTP webhook URL',
      values: { webhook: { url: 'http://127.0.0.1:8443' } },
      error: "at '/webhook/url': 'http://127.0.0.1:8443' does not match pattern",
    },
    {
      name: 'a caBundle that is not base64',
      values: { webhook: { caBundle: '-----BEGIN CERTIFICATE-----' } },
      error: "at '/webhook/caBundle': '-----BEGIN CERTIFICATE-----' does not match pattern",
    },
    {
      name: 'an rbac namespace that is not a namespace name',
      values: { rbac: { namespaces: ['apps', 'Web'] } },
      error: "at '/rbac/namespaces/1': 'Web' does not match pattern",
    },
    { name: 'an rbac namespace listed twice', values: { rbac: { namespaces: ['apps', 'apps'] } }, error: "at '/rbac/namespaces': items at 0 and 1 are equal" },
    { name: 'zero replicas', values: { replicaCount: 0 }, error: "at '/replicaCount': minimum: got 0, want 1" },
    { name: 'a CA validity of zero days', values: { bootstrap: { caValidityDays: 0 } }, error: "at '/bootstrap/caValidityDays': minimum: got 0, want 1" },
    {
      name: 'a log level pino does not have',
      values: { serve: { logLevel: 'verbose' } },
      error: "at '/serve/logLevel': value must be one of 'fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'",
    },
  ];
  for (const c of cases) {
    const error = renderError(c.values);
    t.match(error, "values don't meet the specifications of the schema(s)", `${c.name}: refused by the schema`);
    t.match(error, c.error, `${c.name}: names the key`);
  }
});
