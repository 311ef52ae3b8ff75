// Can the object be read as its kind? The fields certguard's policies read, checked once before
// any policy runs, so a policy never meets a string where its kind has a map. The API server
// validates objects before validating webhooks see them, so a real cluster rarely sends these;
// a hostile or broken client can, and gets "the client's error" (400, the field named), as
// controller-runtime answers a request it cannot decode with Errored(400). Unknown fields are
// not looked at: certguard judges only what it reads.
import { Ajv } from 'ajv';
import type { GroupVersionKind } from './object.ts';

type Shape = 'string' | 'number' | 'boolean' | { map: 'string' } | { array: Shape } | { object: Record<string, Shape> } | { nullable: Shape };

const STRING_MAP: Shape = { map: 'string' };
const strings = (...names: string[]): Record<string, Shape> => Object.fromEntries(names.map((name) => [name, 'string' as const]));

// Go's metav1.Time marshals its zero value as null: the API server sends `creationTimestamp: null`
// to mutating webhooks on a server-side apply dry run (what Flux's kustomize-controller does).
const TIMESTAMP: Shape = { nullable: 'string' };

const METADATA: Shape = {
  object: {
    ...strings('name', 'generateName', 'namespace', 'uid', 'resourceVersion'),
    creationTimestamp: TIMESTAMP,
    deletionTimestamp: TIMESTAMP,
    labels: STRING_MAP,
    annotations: STRING_MAP,
    ownerReferences: { array: { object: { ...strings('apiVersion', 'kind', 'name', 'uid'), controller: 'boolean' } } },
  },
};

const OBJECT_REF: Shape = { object: strings('group', 'kind', 'namespace', 'name', 'sectionName') };

const LISTENERS: Shape = {
  array: {
    object: {
      ...strings('name', 'hostname', 'protocol'),
      port: 'number',
      tls: { object: { mode: 'string', certificateRefs: { array: OBJECT_REF } } },
    },
  },
};

const ADDRESSES: Shape = { array: { object: strings('type', 'value') } };

const CA_VALIDATION: Shape = { object: { caCertificateRefs: { array: OBJECT_REF } } };

// A Gateway's CA bundles and backend client certificate (gateway-listener-tls, kube/gateway-tls.ts).
const GATEWAY_TLS: Shape = {
  object: {
    frontend: {
      object: {
        default: { object: { validation: CA_VALIDATION } },
        perPort: { array: { object: { port: 'number', tls: { object: { validation: CA_VALIDATION } } } } },
      },
    },
    backend: { object: { clientCertificateRef: OBJECT_REF } },
  },
};

/** What each judged kind's readers look at, beyond metadata. Keyed "group/Kind". */
const KINDS: Record<string, Record<string, Shape>> = {
  'gateway.networking.k8s.io/Gateway': {
    spec: { object: { gatewayClassName: 'string', listeners: LISTENERS, addresses: ADDRESSES, tls: GATEWAY_TLS } },
    status: { object: { addresses: ADDRESSES } },
  },
  'gateway.networking.k8s.io/BackendTLSPolicy': { spec: { object: { validation: CA_VALIDATION } } },
  'gateway.networking.k8s.io/ListenerSet': { spec: { object: { listeners: LISTENERS, parentRef: OBJECT_REF } } },
  'gateway.networking.x-k8s.io/XListenerSet': { spec: { object: { listeners: LISTENERS, parentRef: OBJECT_REF } } },
  'cert-manager.io/Certificate': {
    spec: {
      object: {
        ...strings('commonName', 'secretName'),
        dnsNames: { array: 'string' },
        ipAddresses: { array: 'string' },
        issuerRef: { object: strings('group', 'kind', 'name') },
      },
    },
  },
  'networking.k8s.io/Ingress': {
    spec: {
      object: {
        ingressClassName: 'string',
        tls: { array: { object: { hosts: { array: 'string' }, secretName: 'string' } } },
        rules: { array: { object: { host: 'string' } } },
      },
    },
  },
  'gateway.networking.k8s.io/HTTPRoute': { spec: { object: { parentRefs: { array: OBJECT_REF }, hostnames: { array: 'string' } } } },
  '/Secret': { type: 'string', data: STRING_MAP, stringData: STRING_MAP },
};

const KIND_OF: Record<string, string> = { string: 'a string', number: 'a number', boolean: 'a boolean' };

const typeProblem = (value: unknown, shape: Shape): string | undefined => {
  if (value === null) return 'is null';
  if (typeof shape === 'string') return typeof value === shape && (shape !== 'number' || Number.isFinite(value)) ? undefined : `is not ${KIND_OF[shape]}`;
  if ('array' in shape) return Array.isArray(value) ? undefined : 'is not an array';
  const isPlainObject = typeof value === 'object' && !Array.isArray(value);
  if (isPlainObject) return undefined;
  return 'map' in shape ? 'is not a map' : 'is not an object';
};

// A key is quoted in the message; a hostile one could be megabytes long.
const MAX_KEY_CHARS = 100;

const keyPath = (path: string, key: string): string => {
  if (key.length <= MAX_KEY_CHARS && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return `${path}.${key}`;
  const shown = key.length > MAX_KEY_CHARS ? `${key.slice(0, MAX_KEY_CHARS)}…` : key;
  return `${path}[${JSON.stringify(shown)}]`;
};

/** The first field of `value` that does not fit `shape`, as "<path> <problem>". Absent fields fit. */
const problemAt = (value: unknown, shape: Shape, path: string): string | undefined => {
  if (typeof shape === 'object' && 'nullable' in shape) return value === null ? undefined : problemAt(value, shape.nullable, path);
  const problem = typeProblem(value, shape);
  if (problem) return `${path} ${problem}`;
  if (typeof shape === 'string') return undefined;
  if ('array' in shape) {
    const items = value as unknown[];
    for (let index = 0; index < items.length; index++) {
      const found = problemAt(items[index], shape.array, `${path}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  const entries = value as Record<string, unknown>;
  if ('map' in shape) {
    for (const [key, item] of Object.entries(entries)) {
      const found = problemAt(item, shape.map, keyPath(path, key));
      if (found) return found;
    }
    return undefined;
  }
  return fieldsProblem(entries, shape.object, path);
};

const fieldsProblem = (value: Record<string, unknown>, fields: Record<string, Shape>, path: string): string | undefined => {
  for (const [name, shape] of Object.entries(fields)) {
    if (!Object.hasOwn(value, name) || value[name] === undefined) continue;
    const found = problemAt(value[name], shape, path ? `${path}.${name}` : name);
    if (found) return found;
  }
  return undefined;
};

// Whether an object fits, as problemAt would find, without building a path: every review passes
// this check, and naming the field is only needed for the rare object that fails it. ajv compiles
// each kind's shape into code that reads the fields by name.
type Schema = Record<string, unknown>;

const schemaOf = (shape: Shape): Schema => {
  if (typeof shape === 'string') return { type: shape };
  if ('array' in shape) return { type: 'array', items: schemaOf(shape.array) };
  if ('map' in shape) return { type: 'object', additionalProperties: schemaOf(shape.map) };
  if ('nullable' in shape) return { anyOf: [{ type: 'null' }, schemaOf(shape.nullable)] };
  return fieldsSchema(shape.object);
};

const fieldsSchema = (fields: Record<string, Shape>): Schema => ({
  type: 'object',
  properties: Object.fromEntries(Object.entries(fields).map(([name, shape]) => [name, schemaOf(shape)])),
});

// strictNumbers: a number must be finite, as typeProblem says.
const ajv = new Ajv({ allErrors: false, strict: true, strictNumbers: true });

type Checked = { fields: Record<string, Shape>; fits: (value: unknown) => boolean };

// Compiled on first use, not at import: a command that judges one kind (explain: Certificates)
// compiles that kind's schema only, instead of every kind's (~100 ms of a CLI start, bench/README.md).
type Fits = (value: unknown) => boolean;

const checkedOf = (fields: Record<string, Shape>): Checked & { compile: () => Fits } => {
  let compiled: Fits | undefined;
  const compile = () => (compiled ??= ajv.compile(fieldsSchema(fields)) as Fits);
  return { fields, fits: (value) => compile()(value), compile };
};

const BASE_FIELDS: Record<string, Shape> = { apiVersion: 'string', kind: 'string', metadata: METADATA };

/** Each judged kind's fields with the base ones, compiled once: the key is one of KINDS' own. */
const BY_KIND = new Map(Object.entries(KINDS).map(([key, fields]) => [key, checkedOf({ ...BASE_FIELDS, ...fields })]));
const BASE = checkedOf(BASE_FIELDS);

/** Every kind's schema compiled now: serve calls it at start, so no review pays for a compile. */
export const compileShapes = (): void => {
  for (const checked of [...BY_KIND.values(), BASE]) checked.compile();
};

/**
 * Why `object` cannot be read as `kind`, e.g. "metadata.annotations is not a map" or
 * "spec.tls[1] is null"; undefined when certguard can read it. Metadata is checked for every kind.
 */
export const shapeProblem = (kind: GroupVersionKind, object: unknown): string | undefined => {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return 'the object is not an object';
  const { fields, fits } = BY_KIND.get(`${kind.group}/${kind.kind}`) ?? BASE;
  return fits(object) ? undefined : fieldsProblem(object as Record<string, unknown>, fields, '');
};
