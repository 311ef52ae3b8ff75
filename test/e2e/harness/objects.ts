// Builders for the objects the scenarios apply, as plain objects turned into YAML for kubectl.
import { stringify } from 'yaml';
import type { Issued } from './pki.ts';

type Obj = Record<string, unknown>;

export type Condition = { type: string; status: string; reason?: string; observedGeneration?: number };

export type WithConditions = { metadata: { generation?: number }; status?: { conditions?: Condition[] } };

/**
 * A condition's status once it describes the object's current generation: until its controller
 * has seen the latest spec, the condition still speaks of the previous one.
 */
export const currentCondition = (object: WithConditions, type: string): string | undefined => {
  const condition = object.status?.conditions?.find((c) => c.type === type);
  return condition && condition.observedGeneration === object.metadata.generation ? condition.status : undefined;
};

/** A multi-document YAML stream for `kubectl apply -f -`. */
export const yamlOf = (...objects: Obj[]): string => objects.map((object) => stringify(object)).join('---\n');

export const namespace = (name: string, annotations?: Record<string, string>): Obj => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, ...(annotations ? { annotations } : {}) },
});

export const tlsSecret = (ns: string, name: string, pair: Issued): Obj => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/tls',
  metadata: { namespace: ns, name },
  data: { 'tls.crt': Buffer.from(pair.certificatePem).toString('base64'), 'tls.key': Buffer.from(pair.privateKeyPem).toString('base64') },
});

/** allowedRoutesFrom: allowedRoutes.namespaces.from (Gateway API's default, Same, when absent). */
export type Listener = { name: string; hostname?: string; secret?: string; protocol?: 'HTTP' | 'HTTPS'; allowedRoutesFrom?: 'All' | 'Same' };

export const httpsListener = (name: string, hostname: string, secret: string): Listener => ({ name, hostname, secret, protocol: 'HTTPS' });

const listenerSpec = (listener: Listener): Obj => ({
  name: listener.name,
  protocol: listener.protocol ?? 'HTTPS',
  port: listener.protocol === 'HTTP' ? 80 : 443,
  ...(listener.hostname ? { hostname: listener.hostname } : {}),
  ...(listener.secret ? { tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: listener.secret }] } } : {}),
  ...(listener.allowedRoutesFrom ? { allowedRoutes: { namespaces: { from: listener.allowedRoutesFrom } } } : {}),
});

export const gateway = (ns: string, name: string, listeners: Listener[], annotations?: Record<string, string>): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { namespace: ns, name, ...(annotations ? { annotations } : {}) },
  spec: { gatewayClassName: 'traefik', listeners: listeners.map(listenerSpec) },
});
