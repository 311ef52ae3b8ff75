// Registers certguard's webhook configurations with the e2e API server, pointing at a local
// certguard by clientConfig.url. Source: test/e2e/webhooks.yaml until the Helm chart renders the
// configurations (issue 8).
//
//   await registerWebhooks(cluster, { url: certguard.url, caBundle: certguard.caBundle });
//   await registerWebhooks(cluster, { ..., placeholder: true });   // also the mutating webhook
//   await unregisterWebhooks(cluster);
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Cluster } from './cluster.ts';
import { repoRoot } from './paths.ts';

/** certguard's own namespace in the tests (excluded by namespaceSelector, like kube-system). */
export const CERTGUARD_NAMESPACE = 'certguard';

export type WebhookOptions = {
  url: string;
  caBundle: string;
  /** Fail (default in tests: outages and denials are visible) or Ignore. */
  failurePolicy?: 'Fail' | 'Ignore';
  /** Also register the mutating webhook (placeholder mode). */
  placeholder?: boolean;
};

/** The configurations as YAML, ready for `kubectl apply -f -`. */
export const renderWebhooks = (options: WebhookOptions): string => {
  const template = readFileSync(join(repoRoot, 'test/e2e/webhooks.yaml'), 'utf8');
  const values: Record<string, string> = {
    URL: options.url,
    CA_BUNDLE: options.caBundle,
    FAILURE_POLICY: options.failurePolicy ?? 'Fail',
    NAMESPACE: CERTGUARD_NAMESPACE,
  };
  const rendered = template.replace(/\$\{([A-Z_]+)\}/g, (match, name: string) => values[name] ?? match);
  const documents = parseAllDocuments(rendered).filter((document) => options.placeholder || document.get('kind') !== 'MutatingWebhookConfiguration');
  return documents.map((document) => document.toString()).join('---\n');
};

/**
 * Applies the configurations. The API server picks them up through an informer a moment later:
 * a scenario's first check should poll (see `untilWebhookAnswers` in scenario helpers).
 */
export const registerWebhooks = async (cluster: Cluster, options: WebhookOptions): Promise<void> => {
  if (!options.placeholder) await cluster.kubectl(['delete', 'mutatingwebhookconfiguration', 'certguard', '--ignore-not-found']);
  const applied = await cluster.kubectl(['apply', '-f', '-'], { input: renderWebhooks(options) });
  if (applied.code !== 0) throw new Error(`registering webhooks failed:\n${applied.stderr}`);
};

export const unregisterWebhooks = async (cluster: Cluster): Promise<void> => {
  await cluster.kubectl(['delete', 'validatingwebhookconfiguration,mutatingwebhookconfiguration', 'certguard', '--ignore-not-found']);
};
