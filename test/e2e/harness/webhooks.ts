// Registers certguard's webhook configurations with the e2e API server, rendered from the Helm
// chart (charts/certguard, `helm template --show-only templates/webhooks.yaml`) with
// webhook.url pointing at a local certguard, so the tests exercise exactly what `helm install`
// would register: rules, matchConditions, namespaceSelector, sideEffects, and which policies are
// validating or mutating (placeholder mode → mutating only).
//
//   await registerWebhooks(cluster, { url: certguard.url, caBundle: certguard.caBundle, config });
//   await unregisterWebhooks(cluster);
import { parseAllDocuments } from 'yaml';
import { renderWebhookConfigurations } from '../../chart/render.ts';
import type { Cluster } from './cluster.ts';

/** certguard's release namespace in the tests (excluded by namespaceSelector, like kube-system). */
export const CERTGUARD_NAMESPACE = 'certguard';
/** The configurations' name: the chart's fullname for release "certguard". */
export const WEBHOOK_CONFIGURATION_NAME = 'certguard';

const KINDS = ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'] as const;

export type WebhookOptions = {
  /** https://127.0.0.1:<port> of the local certguard. */
  url: string;
  caBundle: string;
  /** The same policy config certguard runs with: modes decide validating / mutating / absent. */
  config?: object;
  /** Validating webhooks' failurePolicy. Fail in tests (the chart's default is Ignore). */
  failurePolicy?: 'Fail' | 'Ignore';
  /** More chart values, merged over the ones above at the top level. */
  values?: Record<string, unknown>;
};

/** The configurations as YAML, ready for `kubectl apply -f -`. */
export const renderWebhooks = (options: WebhookOptions): string =>
  renderWebhookConfigurations(
    {
      config: options.config ?? {},
      webhook: { url: options.url, caBundle: options.caBundle, failurePolicy: options.failurePolicy ?? 'Fail' },
      ...options.values,
    },
    { namespace: CERTGUARD_NAMESPACE, release: 'certguard' },
  );

const kindsIn = (yaml: string): string[] => parseAllDocuments(yaml).map((document) => String(document.get('kind')));

/**
 * Applies the configurations (an update keeps webhooks in place: no window without them) and
 * deletes a configuration kind the new rendering no longer has. The API server picks changes up
 * through an informer a moment later: a scenario's first check should poll.
 */
export const registerWebhooks = async (cluster: Cluster, options: WebhookOptions): Promise<string> => {
  const rendered = renderWebhooks(options);
  const kinds = kindsIn(rendered);
  for (const kind of KINDS.filter((kind) => !kinds.includes(kind))) {
    await cluster.kubectl(['delete', kind.toLowerCase(), WEBHOOK_CONFIGURATION_NAME, '--ignore-not-found']);
  }
  const applied = await cluster.kubectl(['apply', '-f', '-'], { input: rendered });
  if (applied.code !== 0) throw new Error(`registering webhooks failed:\n${applied.stderr}`);
  return rendered;
};

export const unregisterWebhooks = async (cluster: Cluster): Promise<void> => {
  await cluster.kubectl(['delete', KINDS.map((kind) => kind.toLowerCase()).join(','), WEBHOOK_CONFIGURATION_NAME, '--ignore-not-found']);
};

// A Gateway the API server sends to gateway-listener-tls in every mode but off: its listener's
// Secret does not exist and no Certificate will issue it, so certguard denies it (in placeholder
// mode too) or warns about it. Dry run: nothing is stored.
export const PROBE = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: certguard-e2e-probe, namespace: default }
spec:
  gatewayClassName: probe
  listeners:
    - name: probe
      protocol: HTTPS
      port: 443
      tls: { certificateRefs: [{ name: certguard-e2e-probe-missing }] }
`;
