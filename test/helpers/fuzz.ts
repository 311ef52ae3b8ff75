// Hostile AdmissionReviews for the fuzz tests and the bench attack: the project's own fixtures
// (every policy's fixtures/**/*.yaml, examples/reviews/*.json), mutated as a broken or hostile
// client would: fields deleted, replaced by null / numbers / huge strings / arrays, nested,
// reversed; 5 % raw garbage.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { request, type Agent } from 'node:https';
import { join } from 'node:path';
import fc from 'fast-check';
import { readManifests } from '../../src/cluster/manifest-view.ts';
import type { KubeObject } from '../../src/kube/object.ts';

const walk = (dir: string, ending: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path, ending) : path.endsWith(ending) ? [path] : [];
  });

const policyFixtures = (): string[] =>
  readdirSync('src/policies').flatMap((policy) => {
    const dir = join('src/policies', policy, 'fixtures');
    // good/ and bad/ hold object bundles (other files, e.g. certificate-dns's dns.yaml, are tables).
    return statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? walk(dir, '.yaml').filter((path) => /\/(good|bad)\//.test(path)) : [];
  });

const plural = (kind: string): string => {
  const lower = kind.toLowerCase();
  return lower.endsWith('s') ? `${lower}es` : `${lower}s`;
};

/** An AdmissionReview carrying `object` as a CREATE (or an UPDATE from itself). */
export const reviewFor = (object: KubeObject, index: number): Record<string, unknown> => {
  const [group, version] = (object.apiVersion ?? 'v1').includes('/') ? (object.apiVersion as string).split('/') : ['', object.apiVersion ?? 'v1'];
  const kind = object.kind ?? 'Unknown';
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `fuzz-${index}`,
      kind: { group, version, kind },
      resource: { group, version, resource: plural(kind) },
      name: object.metadata?.name ?? '',
      namespace: object.metadata?.namespace ?? 'default',
      operation: 'CREATE',
      userInfo: { username: 'fuzz@example.com' },
      object,
    },
  };
};

/** Every object of every fixture bundle as a review, and the example reviews as they are. */
export const loadSeedReviews = async (): Promise<Record<string, unknown>[]> => {
  const objects = await readManifests(policyFixtures());
  const examples = walk('examples/reviews', '.json').map((path) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>);
  return [...objects.map(reviewFor), ...examples];
};

type Path = Array<string | number>;

const pathsOf = (value: unknown, prefix: Path = [], into: Path[] = []): Path[] => {
  if (prefix.length > 0) into.push(prefix);
  if (Array.isArray(value)) value.forEach((item, index) => pathsOf(item, [...prefix, index], into));
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) pathsOf(item, [...prefix, key], into);
  return into;
};

const OPS = ['delete', 'null', 'number', 'huge', 'array', 'nest', 'string', 'boolean', 'object', 'reverse', 'entries', 'nan-string'] as const;
type Op = (typeof OPS)[number];

// 64 KiB: far beyond any real field, small enough for 100,000 runs on a shared machine.
const HUGE = 'x'.repeat(64 * 1024);

const replaced = (op: Op, value: unknown, n: number): unknown => {
  switch (op) {
    case 'null':
      return null;
    case 'number':
      return [0, -1, n, 1e308, 0.5][Math.abs(n) % 5];
    case 'huge':
      return HUGE;
    case 'array':
      return [value, value];
    case 'nest':
      return { [String(n)]: value, nested: [value] };
    case 'string':
      return ['', 'Secret', '__proto__', 'constructor', '*.', '..'][Math.abs(n) % 6];
    case 'boolean':
      return n % 2 === 0;
    case 'object':
      return {};
    case 'reverse':
      return Array.isArray(value) ? [...value].reverse() : typeof value === 'string' ? [...value].reverse().join('') : value;
    case 'entries':
      return value && typeof value === 'object' ? Object.entries(value) : [value];
    case 'nan-string':
      return 'NaN';
    default:
      return value;
  }
};

export type Mutation = { at: number; op: Op; n: number };

/** A deep copy of `review` with each mutation applied at a path chosen by `at`. */
export const mutate = (review: Record<string, unknown>, mutations: Mutation[]): Record<string, unknown> => {
  const copy = structuredClone(review);
  for (const { at, op, n } of mutations) {
    // Four in five land inside the objects: that is where the policies read.
    const all = pathsOf(copy);
    const inside = all.filter(([first, second]) => first === 'request' && (second === 'object' || second === 'oldObject'));
    const paths = Math.abs(n) % 5 !== 0 && inside.length > 0 ? inside : all;
    if (paths.length === 0) break;
    const path = paths[at % paths.length] as Path;
    const parent = path.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], copy) as Record<string | number, unknown>;
    const key = path.at(-1) as string | number;
    if (op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else {
      parent[key] = replaced(op, parent[key], n);
    }
  }
  return copy;
};

export type FuzzCase = { payload: string; uid: unknown; description: string };

const mutationArb: fc.Arbitrary<Mutation> = fc.record({ at: fc.nat(), op: fc.constantFrom(...OPS), n: fc.integer({ min: -1000, max: 1000 }) });

/** 95 %: a seed review, mutated 1-4 times (as a CREATE or an UPDATE from its original); 5 %: raw garbage. */
export const fuzzCase = (seeds: Record<string, unknown>[]): fc.Arbitrary<FuzzCase> => {
  const mutated = fc
    .record({ base: fc.nat({ max: seeds.length - 1 }), mutations: fc.array(mutationArb, { minLength: 1, maxLength: 4 }), update: fc.boolean() })
    .map(({ base, mutations, update }) => {
      const seed = seeds[base] as Record<string, unknown>;
      const request = seed.request as Record<string, unknown>;
      const start = update && request.object ? { ...seed, request: { ...request, operation: 'UPDATE', oldObject: request.object } } : seed;
      const review = mutate(start, mutations);
      const uid = (review.request as Record<string, unknown> | undefined)?.uid;
      return { payload: JSON.stringify(review), uid, description: `seed ${base}, ${update ? 'UPDATE' : 'CREATE'}, ${JSON.stringify(mutations)}` };
    });
  const garbage = fc.oneof(
    fc.string({ maxLength: 200 }).map((text) => ({ payload: text, uid: undefined, description: `garbage ${JSON.stringify(text)}` })),
    fc.record({ base: fc.nat({ max: seeds.length - 1 }), cut: fc.nat() }).map(({ base, cut }) => {
      const text = JSON.stringify(seeds[base]);
      return { payload: text.slice(0, cut % text.length), uid: undefined, description: `seed ${base} cut at ${cut % text.length}` };
    }),
    fc.jsonValue().map((value) => ({ payload: JSON.stringify(value) ?? 'null', uid: undefined, description: 'random JSON' })),
  );
  return fc.oneof({ weight: 95, arbitrary: mutated }, { weight: 5, arbitrary: garbage });
};

/** The invariant: HTTP 400 with a JSON message, or HTTP 200 with the uid echoed and no code 500. Returns the violation, if any. */
export const judgeAnswer = (fuzz: FuzzCase, status: number, text: string): string | undefined => {
  let body: { message?: unknown; response?: { uid?: unknown; status?: { code?: unknown; message?: unknown } } };
  try {
    body = JSON.parse(text);
  } catch {
    return `HTTP ${status} with a body that is not JSON: ${text.slice(0, 200)}`;
  }
  if (status === 400) return typeof body.message === 'string' ? undefined : `HTTP 400 without a message: ${text.slice(0, 200)}`;
  if (status !== 200) return `HTTP ${status}: ${text.slice(0, 300)}`;
  if (body.response?.uid !== fuzz.uid) return `uid ${JSON.stringify(body.response?.uid)} instead of ${JSON.stringify(fuzz.uid)}`;
  if (body.response?.status?.code === 500) return `code 500: ${String(body.response.status.message).slice(0, 300)}`;
  return undefined;
};

/** POSTs one review over HTTPS keep-alive to /validate: the status and the raw body, whatever they are. */
export const postReview = (agent: Agent, port: number, payload: string): Promise<{ status: number; text: string }> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/validate', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
