// An object that cannot be read as its kind is the client's error: allowed false, code 400, the
// object and field named, and no policy runs.
import t from 'tap';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import { parseConfig } from '../../src/config/load.ts';
import { buildPolicies } from '../../src/compose.ts';
import { shapeProblem } from '../../src/kube/shape.ts';
import { buildApp } from '../../src/server/app.ts';
import { createLogger } from '../../src/server/logger.ts';
import type { Policy } from '../../src/policies/types.ts';
import { reviewOf } from '../helpers/reviews.ts';

const GATEWAY = { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'Gateway' };
const LISTENER_SET = { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'ListenerSet' };
const INGRESS = { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' };
const CERTIFICATE = { group: 'cert-manager.io', version: 'v1', kind: 'Certificate' };
const HTTPROUTE = { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute' };
const SECRET = { group: '', version: 'v1', kind: 'Secret' };

const cases: Array<{ name: string; kind: typeof GATEWAY; object: unknown; problem: string | undefined }> = [
  {
    name: 'a well-formed Gateway',
    kind: GATEWAY,
    object: {
      metadata: { name: 'g', annotations: { a: 'b' } },
      spec: { listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 's' }] } }] },
    },
    problem: undefined,
  },
  {
    name: 'annotations that are a string',
    kind: INGRESS,
    object: { metadata: { annotations: 'cert-manager.io/issuer' } },
    problem: 'metadata.annotations is not a map',
  },
  {
    name: 'an annotation value that is a number',
    kind: INGRESS,
    object: { metadata: { annotations: { 'cert-manager.io/issuer': 7 } } },
    problem: 'metadata.annotations["cert-manager.io/issuer"] is not a string',
  },
  {
    name: 'a very long annotation key is cut in the message',
    kind: INGRESS,
    object: { metadata: { annotations: { ['k'.repeat(5000)]: null } } },
    problem: `metadata.annotations["${'k'.repeat(100)}…"] is null`,
  },
  { name: 'a null Ingress tls entry', kind: INGRESS, object: { spec: { tls: [{ secretName: 'a' }, null] } }, problem: 'spec.tls[1] is null' },
  { name: 'listeners that are not an array', kind: GATEWAY, object: { spec: { listeners: { name: 'https' } } }, problem: 'spec.listeners is not an array' },
  { name: 'a null listener', kind: LISTENER_SET, object: { spec: { listeners: [null] } }, problem: 'spec.listeners[0] is null' },
  {
    name: 'a certificateRef that is a string',
    kind: GATEWAY,
    object: { spec: { listeners: [{ tls: { certificateRefs: ['s'] } }] } },
    problem: 'spec.listeners[0].tls.certificateRefs[0] is not an object',
  },
  {
    name: 'ownerReferences that are an object',
    kind: HTTPROUTE,
    object: { metadata: { ownerReferences: { kind: 'Challenge' } } },
    problem: 'metadata.ownerReferences is not an array',
  },
  { name: 'a null ownerReference', kind: HTTPROUTE, object: { metadata: { ownerReferences: [null] } }, problem: 'metadata.ownerReferences[0] is null' },
  { name: 'dnsNames with a number', kind: CERTIFICATE, object: { spec: { dnsNames: ['a.example.com', 5] } }, problem: 'spec.dnsNames[1] is not a string' },
  { name: 'an issuerRef that is an array', kind: CERTIFICATE, object: { spec: { issuerRef: [] } }, problem: 'spec.issuerRef is not an object' },
  { name: 'Secret data that is an array', kind: SECRET, object: { data: ['x'] }, problem: 'data is not a map' },
  {
    name: 'a null creationTimestamp (a server-side apply dry run sends one to mutating webhooks)',
    kind: GATEWAY,
    object: { metadata: { name: 'g', creationTimestamp: null, deletionTimestamp: null } },
    problem: undefined,
  },
  {
    name: 'a creationTimestamp that is a number',
    kind: GATEWAY,
    object: { metadata: { name: 'g', creationTimestamp: 7 } },
    problem: 'metadata.creationTimestamp is not a string',
  },
  { name: 'metadata that is null', kind: SECRET, object: { metadata: null }, problem: 'metadata is null' },
  {
    name: 'a kind certguard does not judge: only metadata',
    kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
    object: { spec: 'anything' },
    problem: undefined,
  },
];

for (const c of cases) {
  t.test(`shapeProblem: ${c.name}`, async (t) => t.equal(shapeProblem(c.kind, c.object), c.problem));
}

// Every field certguard reads of a Gateway, filled in: each one swapped for a value of another
// type must be named, whatever the fast check that lets a well-formed object through decides.
const FULL_GATEWAY = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: {
    name: 'g',
    namespace: 'n',
    uid: 'u',
    labels: { a: 'b' },
    annotations: { c: 'd' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'K', name: 'o', uid: 'v', controller: true }],
  },
  spec: {
    gatewayClassName: 'c',
    listeners: [
      {
        name: 'https',
        hostname: 'a.example.com',
        protocol: 'HTTPS',
        port: 443,
        tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', namespace: 'n', name: 's' }] },
      },
    ],
    addresses: [{ type: 'IPAddress', value: '192.0.2.1' }],
  },
  status: { addresses: [{ type: 'IPAddress', value: '192.0.2.1' }] },
};

type Field = { keys: Array<string | number>; path: string; value: unknown };

/** Every field of `value`, nested, with its path as the messages write it. */
const fieldsOf = (value: unknown, keys: Array<string | number> = [], path = ''): Field[] => {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const index = Array.isArray(value) ? Number(key) : key;
    const itemPath = typeof index === 'number' ? `${path}[${index}]` : path ? `${path}.${key}` : key;
    return [{ keys: [...keys, index], path: itemPath, value: item }, ...fieldsOf(item, [...keys, index], itemPath)];
  });
};

const withValue = (object: unknown, keys: Array<string | number>, value: unknown): unknown => {
  const copy = structuredClone(object) as Record<string | number, unknown>;
  const parent = keys.slice(0, -1).reduce<Record<string | number, unknown>>((node, key) => node[key] as Record<string | number, unknown>, copy);
  parent[keys.at(-1)!] = value;
  return copy;
};

const typeOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

t.test('shapeProblem: a full Gateway fits, and any of its fields given another type is named', async (t) => {
  t.equal(shapeProblem(GATEWAY, FULL_GATEWAY), undefined);
  let named = 0;
  for (const field of fieldsOf(FULL_GATEWAY)) {
    for (const wrong of [null, 7, 'x', true, [], {}]) {
      if (typeOf(wrong) === typeOf(field.value)) continue;
      const problem = shapeProblem(GATEWAY, withValue(FULL_GATEWAY, field.keys, wrong));
      t.match(problem, new RegExp(`^${field.path.replace(/[.[\]]/g, '\\$&')} is (null|not a)`), `${field.path} = ${JSON.stringify(wrong)}`);
      named += 1;
    }
  }
  t.ok(named > 100, `${named} swaps named`);
});

const UID = 'b0d8a1f2-0000-4000-8000-000000000001';

const post = async (body: unknown) => {
  let ran = 0;
  const spy: Policy = {
    id: 'spy',
    mode: 'enforce',
    admission: 'validating',
    matches: () => (ran++, true),
    check: async () => ({ violations: [], warnings: [] }),
  };
  const app = buildApp({ policies: [spy], view: new ManifestView(), logger: createLogger('silent') });
  const response = await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  await app.close();
  return { status: response.statusCode, body: response.json(), ran };
};

t.test('a Gateway whose annotations are a string is answered 400 naming the field, and no policy runs', async (t) => {
  const { status, body, ran } = await post(reviewOf({ object: { kind: 'Gateway', metadata: { name: 'traefik-gateway', annotations: 'x' as never } } }));
  t.equal(status, 200);
  t.same(body.response, {
    uid: UID,
    allowed: false,
    status: { code: 400, reason: 'BadRequest', message: 'cannot read Gateway traefik/traefik-gateway: metadata.annotations is not a map' },
  });
  t.equal(ran, 0);
});

t.test('an unreadable oldObject is named as such', async (t) => {
  const { body } = await post(reviewOf({ operation: 'UPDATE', oldObject: { kind: 'Gateway', spec: { listeners: [null] } } }));
  t.equal(body.response.status.message, 'cannot read the old Gateway traefik/traefik-gateway (oldObject): spec.listeners[0] is null');
});

// The inputs issue 16's attack found answered with HTTP 500 or `internal error`, through the real policies.
const realPolicies = buildPolicies(parseConfig({}), {
  logger: createLogger('silent'),
  resolver: { lookup: async () => ({ error: 'NXDOMAIN', cnames: [] }), lookupCaa: async () => ({ records: [] }), describe: () => 'none' },
});

const found: Array<{ name: string; request: Record<string, unknown>; message: string }> = [
  {
    name: "certificate-dns: annotations that are a string (the 'in' operator threw)",
    request: {
      kind: INGRESS,
      resource: { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' },
      namespace: 'apps',
      name: 'web',
      object: { kind: 'Ingress', metadata: { name: 'web', annotations: 'cert-manager.io/issuer' } },
    },
    message: 'cannot read Ingress apps/web: metadata.annotations is not a map',
  },
  {
    name: 'certificate-dns: a null Ingress tls entry',
    request: {
      kind: INGRESS,
      resource: { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' },
      namespace: 'apps',
      name: 'web',
      object: {
        kind: 'Ingress',
        metadata: { name: 'web', annotations: { 'cert-manager.io/cluster-issuer': 'le' } },
        spec: { tls: [{ hosts: ['a.example.com'], secretName: 'a' }, null] },
      },
    },
    message: 'cannot read Ingress apps/web: spec.tls[1] is null',
  },
  {
    name: 'acme-solver-cap: ownerReferences that are not an array (ownerReferences.find threw)',
    request: {
      kind: HTTPROUTE,
      resource: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes' },
      namespace: 'apps',
      name: '',
      object: {
        kind: 'HTTPRoute',
        metadata: { generateName: 'cm-acme-', labels: { 'acme.cert-manager.io/http01-solver': 'true' }, ownerReferences: { kind: 'Challenge' } },
      },
    },
    message: 'cannot read HTTPRoute apps/(unnamed): metadata.ownerReferences is not an array',
  },
  {
    name: "acme-solver-cap: a null ownerReference (reading 'kind' of null)",
    request: {
      kind: HTTPROUTE,
      resource: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes' },
      namespace: 'apps',
      name: '',
      object: { kind: 'HTTPRoute', metadata: { generateName: 'cm-acme-', labels: { 'acme.cert-manager.io/http01-solver': 'true' }, ownerReferences: [null] } },
    },
    message: 'cannot read HTTPRoute apps/(unnamed): metadata.ownerReferences[0] is null',
  },
  {
    name: "gateway-listener-tls and certificate-dns: a null listener (reading 'protocol' of null)",
    request: {
      object: {
        kind: 'Gateway',
        metadata: { name: 'traefik-gateway', annotations: { 'cert-manager.io/cluster-issuer': 'le' } },
        spec: { listeners: [{ name: 'web', port: 80, protocol: 'HTTP' }, null] },
      },
    },
    message: 'cannot read Gateway traefik/traefik-gateway: spec.listeners[1] is null',
  },
];

for (const c of found) {
  t.test(`found by the attack, now the client's error: ${c.name}`, async (t) => {
    const app = buildApp({ policies: realPolicies, view: new ManifestView(), logger: createLogger('silent') });
    const response = await app.inject({
      method: 'POST',
      url: '/validate',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(reviewOf(c.request as never)),
    });
    await app.close();
    t.equal(response.statusCode, 200);
    t.same(response.json().response, { uid: UID, allowed: false, status: { code: 400, reason: 'BadRequest', message: c.message } });
  });
}
