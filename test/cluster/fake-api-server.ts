// A small stand-in for kube-apiserver's list/watch surface, for fast tests and the memory bench.
// It follows the API's semantics the live view depends on: a global resourceVersion, paged
// lists with continue tokens, watches that replay from a resourceVersion, bookmarks, 410
// "too old resource version" once history is compacted, PartialObjectMetadata on request,
// discovery per group-version, create (POST), and — for the audit bench's Lease and Events —
// update (PUT, with the resourceVersion as the lock) and merge-patch (PATCH). The real API server is used
// by live-view.e2e.test.ts; this one is for what is slow or impossible to stage there.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type FakeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
};

export type FakeResource = { group: string; versions: string[]; plural: string; kind: string; namespaced: boolean };

export const DEFAULT_FAKE_RESOURCES: FakeResource[] = [
  { group: '', versions: ['v1'], plural: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', versions: ['v1'], plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { group: '', versions: ['v1'], plural: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', versions: ['v1'], plural: 'services', kind: 'Service', namespaced: true },
  { group: 'networking.k8s.io', versions: ['v1'], plural: 'ingresses', kind: 'Ingress', namespaced: true },
  { group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], plural: 'gateways', kind: 'Gateway', namespaced: true },
  { group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], plural: 'httproutes', kind: 'HTTPRoute', namespaced: true },
  { group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], plural: 'referencegrants', kind: 'ReferenceGrant', namespaced: true },
  { group: 'gateway.networking.k8s.io', versions: ['v1'], plural: 'listenersets', kind: 'ListenerSet', namespaced: true },
  { group: 'gateway.networking.k8s.io', versions: ['v1'], plural: 'backendtlspolicies', kind: 'BackendTLSPolicy', namespaced: true },
  { group: 'cert-manager.io', versions: ['v1'], plural: 'issuers', kind: 'Issuer', namespaced: true },
  { group: 'cert-manager.io', versions: ['v1'], plural: 'clusterissuers', kind: 'ClusterIssuer', namespaced: false },
  { group: 'cert-manager.io', versions: ['v1'], plural: 'certificates', kind: 'Certificate', namespaced: true },
];

/** What `serve --audit` writes besides PolicyReports (which it skips when their CRD is not served). */
export const AUDIT_FAKE_RESOURCES: FakeResource[] = [
  { group: 'coordination.k8s.io', versions: ['v1'], plural: 'leases', kind: 'Lease', namespaced: true },
  { group: '', versions: ['v1'], plural: 'events', kind: 'Event', namespaced: true },
];

type Event = { resourceVersion: number; type: 'ADDED' | 'MODIFIED' | 'DELETED'; key: string; object: FakeObject };

type Watch = { key: string; namespace?: string; selector: Record<string, string>; partial: boolean; bookmarks: boolean; response: http.ServerResponse };

type Snapshot = { listVersion: number; items: FakeObject[] };

export type RequestRecord = { method: string; path: string; accept: string; authorization: string | undefined };

// A server stops and starts again on the same kubeconfig, so its folder is removed at exit.
const FOLDERS = new Set<string>();
process.once('exit', () => {
  for (const folder of FOLDERS) rmSync(folder, { recursive: true, force: true });
});

const resourceKey = (group: string, plural: string): string => `${group}/${plural}`;
const objectKey = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

const parseSelector = (text: string | null): Record<string, string> =>
  Object.fromEntries(
    (text ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair) => pair.split('=') as [string, string]),
  );

const matches = (object: FakeObject, namespace: string | undefined, selector: Record<string, string>): boolean =>
  (namespace === undefined || object.metadata.namespace === namespace) &&
  Object.entries(selector).every(([key, value]) => object.metadata.labels?.[key] === value);

const partialOf = (object: FakeObject): FakeObject => ({ apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: object.metadata });

/** RFC 7386: objects merge key by key, null removes, anything else replaces. */
const mergePatch = (target: unknown, patch: unknown): unknown => {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const merged: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [field, value] of Object.entries(patch)) {
    if (value === null) delete merged[field];
    else merged[field] = mergePatch(merged[field], value);
  }
  return merged;
};

const status = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

/** Routes a path to { group, version, namespace, plural, name } or a discovery document request. */
const parsePath = (pathname: string) => {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api') [group, rest] = ['', parts.slice(1)];
  else if (parts[0] === 'apis') [group, rest] = [parts[1] ?? '', parts.slice(2)];
  else return undefined;
  const [version, ...tail] = rest;
  if (!version) return undefined;
  if (tail.length === 0) return { group, version, discovery: true as const };
  if (tail[0] === 'namespaces' && tail.length >= 3) return { group, version, namespace: tail[1], plural: tail[2] ?? '', name: tail[3] };
  return { group, version, namespace: undefined, plural: tail[0] ?? '', name: tail[1] };
};

export class FakeApiServer {
  readonly kubeconfigPath: string;
  readonly token = 'fake-token';
  /** Every request, for assertions (Accept headers, live GETs). */
  readonly requests: RequestRecord[] = [];
  /** Namespaces where creates are refused as by NamespaceLifecycle. */
  readonly terminating = new Set<string>();
  /** Plurals whose list and watch answer 403, as with missing RBAC. */
  readonly forbidden = new Set<string>();
  /** While true, watch events are queued instead of sent: a watch lagging behind a write. */
  holdEvents = false;
  /** Plurals whose GETs by name never answer: a hung API server (or etcd) behind a live GET. */
  readonly hangGets = new Set<string>();
  /** Creates answer after this long, and only write if the client is still waiting then (the
   *  API server abandons a request whose client went away before it reaches storage). */
  createDelayMs = 0;
  /** Requests whose client hung up before an answer (a hung GET, a delayed create). */
  abandoned = 0;
  /** Added before answering each request but a watch: a real API server's round trip (bench/admission.ts). */
  latencyMs = 0;
  port = 0;

  readonly #resources = new Map<string, FakeResource>();
  readonly #served = new Set<string>();
  readonly #objects = new Map<string, Map<string, FakeObject>>();
  readonly #events: Event[] = [];
  readonly #held: Event[] = [];
  readonly #watches = new Set<Watch>();
  readonly #snapshots = new Map<string, Snapshot>();
  readonly #sockets = new Set<Socket>();
  #server: http.Server | undefined;
  #resourceVersion = 100;
  /** Events at or below this resourceVersion are forgotten: older watches get 410. */
  #compactedThrough = 0;
  #snapshotCounter = 0;

  constructor(resources: FakeResource[] = DEFAULT_FAKE_RESOURCES, options: { unserved?: string[] } = {}) {
    for (const resource of resources) {
      const key = resourceKey(resource.group, resource.plural);
      this.#resources.set(key, resource);
      this.#objects.set(key, new Map());
      if (!(options.unserved ?? []).includes(resource.plural)) this.#served.add(key);
    }
    const folder = mkdtempSync(join(tmpdir(), 'certguard-fake-api-'));
    this.kubeconfigPath = join(folder, 'kubeconfig');
    FOLDERS.add(folder);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Picks a free port and writes the kubeconfig without serving yet ("API absent at start"). */
  async reservePort(): Promise<void> {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    this.port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    this.#writeKubeconfig();
  }

  async start(): Promise<void> {
    const server = http.createServer((request, response) => {
      if (this.latencyMs > 0 && !/[?&]watch=(1|true)/.test(request.url ?? '')) setTimeout(() => this.#handle(request, response), this.latencyMs);
      else this.#handle(request, response);
    });
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
    this.#writeKubeconfig();
  }

  /** Drops every connection, as a crashed API server would. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#watches.clear();
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #writeKubeconfig(): void {
    const config = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: fake\n  cluster:\n    server: ${this.url}\n    insecure-skip-tls-verify: true`,
      'users:',
      `- name: fake\n  user:\n    token: ${this.token}`,
      'contexts:',
      '- name: fake\n  context:\n    cluster: fake\n    user: fake',
      'current-context: fake',
      '',
    ].join('\n');
    writeFileSync(this.kubeconfigPath, config);
  }

  /** Installs (serves) or removes a CRD-backed resource, by plural. */
  serve(plural: string, served = true): void {
    for (const [key, resource] of this.#resources) {
      if (resource.plural !== plural) continue;
      if (served) this.#served.add(key);
      else this.#served.delete(key);
    }
  }

  #resourceFor(object: FakeObject): string {
    const group = object.apiVersion?.includes('/') ? object.apiVersion.split('/')[0] : '';
    for (const [key, resource] of this.#resources) if (resource.group === group && resource.kind === object.kind) return key;
    throw new Error(`fake API server: no resource for ${object.apiVersion} ${object.kind}`);
  }

  /** Creates or replaces an object, bumping the resourceVersion and notifying watches. */
  apply(object: FakeObject): FakeObject {
    const key = this.#resourceFor(object);
    const store = this.#objects.get(key)!;
    const existed = store.has(objectKey(object.metadata.namespace, object.metadata.name));
    const stored = this.#store(key, object);
    this.#publish({ resourceVersion: this.#resourceVersion, type: existed ? 'MODIFIED' : 'ADDED', key, object: stored });
    return stored;
  }

  /** Adds many objects without events (history before the first list), fast enough for 150,000. */
  load(objects: Iterable<FakeObject>): void {
    for (const object of objects) this.#store(this.#resourceFor(object), object);
    this.#compactedThrough = this.#resourceVersion;
  }

  #store(key: string, object: FakeObject): FakeObject {
    this.#resourceVersion += 1;
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(this.#resourceVersion) } };
    this.#objects.get(key)!.set(objectKey(object.metadata.namespace, object.metadata.name), stored);
    return stored;
  }

  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): void {
    const key = this.#resourceFor({ apiVersion, kind, metadata: { name } });
    const store = this.#objects.get(key)!;
    const existing = store.get(objectKey(namespace, name));
    if (!existing) return;
    store.delete(objectKey(namespace, name));
    this.#resourceVersion += 1;
    const object = { ...existing, metadata: { ...existing.metadata, resourceVersion: String(this.#resourceVersion) } };
    this.#publish({ resourceVersion: this.#resourceVersion, type: 'DELETED', key, object });
  }

  /** Forgets the event history: every watch from an older resourceVersion gets 410 Gone. */
  compact(): void {
    this.#compactedThrough = this.#resourceVersion;
    this.#events.length = 0;
    this.#snapshots.clear();
  }

  /** Sends a BOOKMARK with the current resourceVersion to every watch that asked for them. */
  bookmark(): void {
    for (const watch of this.#watches)
      if (watch.bookmarks)
        this.#send(watch, 'BOOKMARK', { kind: this.#resources.get(watch.key)?.kind, metadata: { resourceVersion: String(this.#resourceVersion) } });
  }

  /** Ends every open watch with a 410 ERROR event, as the API server does when its cache moves on. */
  expireWatches(): void {
    this.compact();
    for (const watch of this.#watches) {
      this.#send(watch, 'ERROR', status(410, 'Expired', 'too old resource version'));
      watch.response.end();
    }
    this.#watches.clear();
  }

  get watchCount(): number {
    return this.#watches.size;
  }

  #publish(event: Event): void {
    this.#events.push(event);
    if (this.holdEvents) this.#held.push(event);
    else for (const watch of this.#watches) this.#deliver(watch, event);
  }

  /** Sends the events held back while `holdEvents` was true. */
  releaseEvents(): void {
    this.holdEvents = false;
    for (const event of this.#held.splice(0)) for (const watch of this.#watches) this.#deliver(watch, event);
  }

  #deliver(watch: Watch, event: Event): void {
    if (watch.key !== event.key || !matches(event.object, watch.namespace, watch.selector)) return;
    this.#send(watch, event.type, watch.partial ? partialOf(event.object) : event.object);
  }

  #send(watch: Watch, type: string, object: unknown): void {
    watch.response.write(`${JSON.stringify({ type, object })}\n`);
  }

  #handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    const accept = request.headers.accept ?? '';
    this.requests.push({ method: request.method ?? 'GET', path: `${url.pathname}${url.search}`, accept, authorization: request.headers.authorization });
    const json = (code: number, body: unknown) => {
      response.writeHead(code, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${this.token}`) return json(401, status(401, 'Unauthorized', 'Unauthorized'));
    const route = parsePath(url.pathname);
    if (!route) return json(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    if ('discovery' in route) return this.#discovery(route.group, route.version, json);
    const key = resourceKey(route.group, route.plural);
    const resource = this.#resources.get(key);
    if (!resource || !this.#served.has(key) || !resource.versions.includes(route.version)) {
      return json(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    }
    const apiVersion = route.group ? `${route.group}/${route.version}` : route.version;
    if (this.forbidden.has(route.plural) && request.method === 'GET' && route.name === undefined) {
      return json(
        403,
        status(
          403,
          'Forbidden',
          `${route.plural} is forbidden: User "system:serviceaccount:certguard:certguard" cannot list resource "${route.plural}" in API group "${route.group}" at the cluster scope`,
        ),
      );
    }
    if (request.method === 'POST') return this.#create(request, resource, key, route.namespace ?? '', json);
    if ((request.method === 'PUT' || request.method === 'PATCH') && route.name !== undefined)
      return this.#write(request, resource, key, route.namespace, route.name, json);
    if (route.name !== undefined && this.hangGets.has(route.plural)) return void request.socket.once('close', () => (this.abandoned += 1));
    if (route.name !== undefined) return this.#get(key, resource, route.namespace, route.name, accept, json);
    if (url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true') return this.#watch(key, route.namespace, url, accept, response);
    return this.#list(key, resource, apiVersion, route.namespace, url, accept, json);
  }

  #discovery(group: string, version: string, json: (code: number, body: unknown) => void): void {
    const resources = [...this.#resources.entries()]
      .filter(([key, resource]) => resource.group === group && resource.versions.includes(version) && this.#served.has(key))
      .map(([, resource]) => ({
        name: resource.plural,
        namespaced: resource.namespaced,
        kind: resource.kind,
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      }));
    if (resources.length === 0) return json(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    json(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources });
  }

  #get(key: string, resource: FakeResource, namespace: string | undefined, name: string, accept: string, json: (code: number, body: unknown) => void): void {
    const object = this.#objects.get(key)!.get(objectKey(namespace, name));
    if (!object) return json(404, status(404, 'NotFound', `${resource.plural} "${name}" not found`));
    json(200, accept.includes('as=PartialObjectMetadata') ? partialOf(object) : object);
  }

  #list(
    key: string,
    resource: FakeResource,
    apiVersion: string,
    namespace: string | undefined,
    url: URL,
    accept: string,
    json: (code: number, body: unknown) => void,
  ): void {
    const limit = Number(url.searchParams.get('limit') ?? '0');
    const token = url.searchParams.get('continue');
    let snapshotId: string;
    let offset = 0;
    if (token) {
      [snapshotId, offset] = [token.split(':')[0] ?? '', Number(token.split(':')[1])];
      if (!this.#snapshots.has(snapshotId))
        return json(410, status(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result.'));
    } else {
      snapshotId = String((this.#snapshotCounter += 1));
      const selector = parseSelector(url.searchParams.get('labelSelector'));
      const items = [...this.#objects.get(key)!.values()].filter((object) => matches(object, namespace, selector));
      this.#snapshots.set(snapshotId, { listVersion: this.#resourceVersion, items });
    }
    const snapshot = this.#snapshots.get(snapshotId)!;
    const end = limit > 0 ? Math.min(offset + limit, snapshot.items.length) : snapshot.items.length;
    const more = end < snapshot.items.length;
    if (!more) this.#snapshots.delete(snapshotId);
    const partial = accept.includes('as=PartialObjectMetadataList');
    const items = snapshot.items.slice(offset, end).map((object) => (partial ? partialOf(object) : object));
    json(200, {
      apiVersion: partial ? 'meta.k8s.io/v1' : apiVersion,
      kind: partial ? 'PartialObjectMetadataList' : `${resource.kind}List`,
      metadata: { resourceVersion: String(snapshot.listVersion), ...(more ? { continue: `${snapshotId}:${end}` } : {}) },
      items,
    });
  }

  #watch(key: string, namespace: string | undefined, url: URL, accept: string, response: http.ServerResponse): void {
    const from = Number(url.searchParams.get('resourceVersion') ?? '0');
    const watch: Watch = {
      key,
      namespace,
      selector: parseSelector(url.searchParams.get('labelSelector')),
      partial: accept.includes('as=PartialObjectMetadata'),
      bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true',
      response,
    };
    response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    // kube-apiserver flushes the headers as soon as a watch starts, before any event.
    response.flushHeaders();
    if (from < this.#compactedThrough) {
      this.#send(watch, 'ERROR', status(410, 'Expired', `too old resource version: ${from} (${this.#compactedThrough})`));
      response.end();
      return;
    }
    for (const event of this.#events) if (event.resourceVersion > from) this.#deliver(watch, event);
    this.#watches.add(watch);
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? '0');
    const timer = timeout > 0 ? setTimeout(() => response.end(), timeout * 1000) : undefined;
    response.on('close', () => {
      clearTimeout(timer);
      this.#watches.delete(watch);
    });
  }

  #create(request: http.IncomingMessage, resource: FakeResource, key: string, namespace: string, json: (code: number, body: unknown) => void): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (this.createDelayMs === 0) return this.#createNow(resource, key, namespace, chunks, json);
      let gone = false;
      request.socket.once('close', () => (gone = true));
      setTimeout(() => (gone ? (this.abandoned += 1) : this.#createNow(resource, key, namespace, chunks, json)), this.createDelayMs);
    });
  }

  /** PUT replaces (409 when its resourceVersion is not the stored one); PATCH merges (JSON merge patch). */
  #write(
    request: http.IncomingMessage,
    resource: FakeResource,
    key: string,
    namespace: string | undefined,
    name: string,
    json: (code: number, body: unknown) => void,
  ): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const existing = this.#objects.get(key)!.get(objectKey(namespace, name));
      if (!existing) return json(404, status(404, 'NotFound', `${resource.plural} "${name}" not found`));
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeObject;
      if (request.method === 'PATCH') return json(200, this.apply(mergePatch(existing, body) as FakeObject));
      if (body.metadata.resourceVersion !== existing.metadata.resourceVersion) {
        return json(
          409,
          status(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${resource.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          ),
        );
      }
      json(200, this.apply({ ...body, metadata: { ...body.metadata, name, ...(namespace ? { namespace } : {}) } }));
    });
  }

  #createNow(resource: FakeResource, key: string, namespace: string, chunks: Buffer[], json: (code: number, body: unknown) => void): void {
    const object = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeObject;
    const name = object.metadata.name;
    if (this.terminating.has(namespace)) {
      return json(
        403,
        status(
          403,
          'Forbidden',
          `${resource.plural} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        ),
      );
    }
    if (this.#objects.get(key)!.has(objectKey(namespace, name))) return json(409, status(409, 'AlreadyExists', `${resource.plural} "${name}" already exists`));
    json(201, this.apply({ ...object, metadata: { ...object.metadata, namespace } }));
  }
}
