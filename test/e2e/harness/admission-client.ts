// A client that keeps creating objects certguard judges, a few per second, straight against the
// API server, and sorts every answer: admitted, denied by certguard on purpose (its message), or
// failed because of the webhook (the API server could not get an answer: connection refused,
// timeout, TLS...). Rollouts and faults must leave the last count at 0. With `placeholderIssuer`
// (placeholder mode) every other admitted Gateway names a fresh Secret its cert-manager shim will
// issue: admitted only with certguard's placeholder warning, counted as `placeholders`.
//
//   const client = startAdmissionClient(cluster, { namespace: 'apps', secret: 'app-tls' });
//   ... roll the pods ...
//   const counts = await client.stop();   // { admitted, placeholders, denied, failed, failures: [...] }
import { request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from './cluster.ts';

export type AdmissionCounts = { admitted: number; placeholders: number; denied: number; failed: number; failures: string[] };

/** `warnings`: the API server's Warning headers (admission webhooks' warnings among them), joined. */
export type Answer = { status: number; body: string; warnings: string };

/** One POST of an object straight to the API server as the cluster's admin: status and body, never a throw on 4xx/5xx. */
export const post = (cluster: Cluster, path: string, object: object, timeoutMs = 30_000): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const body = JSON.stringify(object);
    const req = request(
      `${cluster.serverUrl}${path}`,
      {
        method: 'POST',
        ca: cluster.caPem,
        headers: { authorization: `Bearer ${cluster.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        const warning = res.headers.warning;
        // Each is `299 - "<text>"`, the text's quotes and backslashes escaped (apimachinery's NewWarningHeader).
        const warnings = (Array.isArray(warning) ? warning.join('\n') : (warning ?? '')).replaceAll(/\\(.)/g, '$1');
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), warnings }));
      },
    );
    req.once('timeout', () => req.destroy(new Error('client timeout')));
    req.once('error', reject);
    req.end(body);
  });

const gatewayOf = (namespace: string, name: string, secret: string, clusterIssuer?: string) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { namespace, name, ...(clusterIssuer ? { annotations: { 'cert-manager.io/cluster-issuer': clusterIssuer } } : {}) },
  spec: {
    gatewayClassName: 'traefik',
    listeners: [{ name: 'https', protocol: 'HTTPS', port: 443, hostname: `${name}.example.com`, tls: { certificateRefs: [{ name: secret }] } }],
  },
});

/** The certguard denial the client provokes on purpose: a listener whose Secret does not exist. */
const MISSING = 'certguard-e2e-missing-tls';

/** The API server's Status carries certguard's own message for the missing Secret. */
const deniedByCertguard = (body: string, namespace: string): boolean => {
  const message = (JSON.parse(body) as { message?: string }).message ?? '';
  return (
    message.startsWith('admission webhook "gateway-listener-tls.certguard.io" denied the request: ') &&
    message.includes(`Secret "${namespace}/${MISSING}" does not exist`)
  );
};

/** certguard's warning that it created the placeholder for this Secret (messages.ts, placeholderCreated). */
const placeholderMade = (warnings: string, namespace: string, secret: string): boolean =>
  warnings.includes(`did not exist: certguard created a self-signed placeholder Secret "${namespace}/${secret}"`);

export type AdmissionClientOptions = { namespace: string; secret: string; intervalMs?: number; placeholderIssuer?: string };

export const startAdmissionClient = (cluster: Cluster, options: AdmissionClientOptions) => {
  const counts: AdmissionCounts = { admitted: 0, placeholders: 0, denied: 0, failed: 0, failures: [] };
  let running = true;
  let n = 0;
  // Names unique across clients: a second client in the same namespace must not hit AlreadyExists.
  const tag = Date.now().toString(36);
  const one = async () => {
    n += 1;
    const deliberateDenial = n % 2 === 0;
    const name = `load-${tag}-${n}`;
    // A Secret of its own, so that every such Gateway makes certguard create one.
    const placeholder = options.placeholderIssuer !== undefined && n % 4 === 3 ? `${name}-tls` : undefined;
    const secret = deliberateDenial ? MISSING : (placeholder ?? options.secret);
    const path = `/apis/gateway.networking.k8s.io/v1/namespaces/${options.namespace}/gateways`;
    try {
      const answer = await post(cluster, path, gatewayOf(options.namespace, name, secret, placeholder && options.placeholderIssuer));
      if (answer.status === 201 && placeholder) {
        if (placeholderMade(answer.warnings, options.namespace, placeholder)) counts.placeholders += 1;
        else {
          counts.failed += 1;
          counts.failures.push(`${name}: admitted without certguard's placeholder warning (warnings: ${answer.warnings.slice(0, 400) || 'none'})`);
        }
      } else if (answer.status === 201 && !deliberateDenial) counts.admitted += 1;
      else if (answer.status === 403 && deliberateDenial && deniedByCertguard(answer.body, options.namespace)) counts.denied += 1;
      else {
        counts.failed += 1;
        counts.failures.push(`${name}: ${answer.status} ${answer.body.slice(0, 400)}`);
      }
    } catch (error) {
      counts.failed += 1;
      counts.failures.push(`${name}: ${(error as Error).message}`);
    }
  };
  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    while (running) {
      // Not awaited one by one: a slow answer must not lower the rate during a rollout.
      const pending = one().finally(() => inFlight.delete(pending));
      inFlight.add(pending);
      await sleep(options.intervalMs ?? 250);
    }
  })();
  return {
    counts: () => ({ ...counts, failures: [...counts.failures] }),
    stop: async (): Promise<AdmissionCounts> => {
      running = false;
      await loop;
      await Promise.all(inFlight);
      return { ...counts, failures: [...counts.failures] };
    },
  };
};
