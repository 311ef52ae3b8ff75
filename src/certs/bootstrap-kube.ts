// BootstrapCluster on the Kubernetes API (@kubernetes/client-node 2.x). Needs, in its namespace:
// secrets get/create/update (the CA and serving Secrets); cluster-wide: get/patch on the named
// Validating/MutatingWebhookConfigurations. The chart's bootstrap RBAC grants exactly that.
import { AdmissionregistrationV1Api, ApiException, CoreV1Api, KubeConfig, type V1Secret } from '@kubernetes/client-node';
import type { BootstrapCluster, CaBundlePatch, SecretMetadata, StoredSecret, WebhookEntry, WebhookKind } from './bootstrap-run.ts';

const isNotFound = (error: unknown): boolean => error instanceof ApiException && error.code === 404;

const decode = (data: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));

const encode = (data: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]));

/** Loads --kubeconfig when given, else the default chain (KUBECONFIG, ~/.kube/config, in-cluster); --context picks another context. */
export const loadKubeConfig = (path?: string, context?: string): KubeConfig => {
  const config = new KubeConfig();
  if (path) config.loadFromFile(path);
  else config.loadFromDefault();
  if (context) {
    if (!config.getContextObject(context)) throw new Error(`kubeconfig has no context "${context}"`);
    config.setCurrentContext(context);
  }
  return config;
};

export const kubeBootstrapCluster = (config: KubeConfig, namespace: string): BootstrapCluster => {
  const core = config.makeApiClient(CoreV1Api);
  const admission = config.makeApiClient(AdmissionregistrationV1Api);

  const readConfiguration = (kind: WebhookKind, name: string) =>
    kind === 'validating' ? admission.readValidatingWebhookConfiguration({ name }) : admission.readMutatingWebhookConfiguration({ name });

  return {
    async getSecret(name: string): Promise<StoredSecret | undefined> {
      try {
        const secret = await core.readNamespacedSecret({ name, namespace });
        return { resourceVersion: secret.metadata?.resourceVersion, data: decode(secret.data) };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    async writeSecret(name: string, secret: StoredSecret, metadata: SecretMetadata): Promise<void> {
      const body: V1Secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: { name, namespace, labels: metadata.labels, annotations: metadata.annotations, resourceVersion: secret.resourceVersion },
        data: encode(secret.data),
      };
      // resourceVersion makes the replace conditional: two runs racing cannot both win.
      if (secret.resourceVersion) await core.replaceNamespacedSecret({ name, namespace, body });
      else await core.createNamespacedSecret({ namespace, body });
    },

    async getWebhooks(kind: WebhookKind, name: string): Promise<WebhookEntry[] | undefined> {
      try {
        const configuration = await readConfiguration(kind, name);
        return (configuration.webhooks ?? []).map((webhook) => ({ name: webhook.name, caBundle: webhook.clientConfig.caBundle }));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    async patchCaBundles(kind: WebhookKind, name: string, patches: CaBundlePatch[]): Promise<void> {
      // JSON patch by index, each guarded by a test of the webhook's name: if helm reordered the
      // list since we read it, the patch fails (and the run is repeated) instead of crossing wires.
      const body = patches.flatMap((patch) => [
        { op: 'test', path: `/webhooks/${patch.index}/name`, value: patch.name },
        { op: 'add', path: `/webhooks/${patch.index}/clientConfig/caBundle`, value: patch.caBundle },
      ]);
      if (kind === 'validating') await admission.patchValidatingWebhookConfiguration({ name, body, fieldManager: 'certguard-bootstrap' });
      else await admission.patchMutatingWebhookConfiguration({ name, body, fieldManager: 'certguard-bootstrap' });
    },
  };
};

const messageOf = (body: unknown): string => {
  if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') return (body as { message: string }).message;
  if (typeof body !== 'string') return '';
  try {
    return messageOf(JSON.parse(body));
  } catch {
    return body.split('\n')[0] ?? '';
  }
};

/** A one-line reason for an API failure (never the whole response object). */
export const describeApiError = (error: unknown): string => {
  if (error instanceof ApiException) {
    const message = messageOf(error.body);
    return `API error ${error.code}${message ? `: ${message}` : ''}`;
  }
  return (error as Error).message;
};
