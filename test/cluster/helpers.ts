// Shared by the live-view tests: polling for an eventual state, a logger that records lines,
// and the objects the tests put in the cluster.
import type { FakeObject } from './fake-api-server.ts';

export type LogLine = { level: 'info' | 'warn' | 'error'; message: string };

export const recordingLogger = () => {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (_fields: Record<string, unknown>, message: string) => void lines.push({ level, message });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
};

/** Resolves with the first truthy value of `probe`; rejects naming `what` after `timeoutMs`. */
export const waitFor = async <T>(what: string, probe: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> => {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
};

export const SOLVER = { 'acme.cert-manager.io/http01-solver': 'true' };

export const secret = (namespace: string, name: string, extra: Partial<FakeObject> = {}): FakeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name,
    namespace,
    creationTimestamp: '2025-01-01T00:00:00Z',
    labels: { app: name },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"tls.key":"c2VjcmV0"}}' },
    managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
  },
  type: 'kubernetes.io/tls',
  data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'c2VjcmV0' },
  ...extra,
});

export const gateway = (namespace: string, name: string, listeners: number): FakeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name, namespace, managedFields: [{ manager: 'kubectl' }] },
  spec: {
    gatewayClassName: 'traefik',
    listeners: Array.from({ length: listeners }, (_, index) => ({
      name: `https-${index}`,
      port: 443,
      protocol: 'HTTPS',
      hostname: `app${index}.example.com`,
      tls: { mode: 'Terminate', certificateRefs: [{ name: `app${index}-tls` }] },
    })),
  },
});

export const solverRoute = (namespace: string, name: string, labels: Record<string, string> = SOLVER): FakeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: {
    name,
    namespace,
    creationTimestamp: '2025-01-01T00:00:00Z',
    labels,
    ownerReferences: [
      {
        apiVersion: 'acme.cert-manager.io/v1',
        kind: 'Challenge',
        name: `${name}-challenge`,
        uid: '0f0e0d0c-0000-4000-8000-000000000000',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  },
  spec: {
    parentRefs: [{ name: 'traefik-gateway', namespace: 'traefik' }],
    rules: [{ matches: [{ path: { type: 'Exact', value: `/.well-known/acme-challenge/${name}` } }] }],
  },
});
