// Where the live view's credentials come from, and how they go onto a request.
//
// Why not simply @kubernetes/client-node's KubeConfig: importing it costs about 85 MiB of RSS
// (measured in bench/README.md: its generated API models load with it), more than half of the
// 150 MiB budget of the whole process. The common cases — the in-cluster service account, and
// kubeconfigs with a token, token file, client certificate or basic auth — are read here (the
// files are a few YAML keys); a kubeconfig that needs an exec plugin, an auth-provider, a proxy
// or impersonation is handed to client-node, imported only then (a developer laptop, not a pod).
import { existsSync, readFileSync } from 'node:fs';
import type https from 'node:https';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';

export type Credentials = {
  /** The API server's base URL, without a trailing slash. */
  server: string;
  /** Where the credentials came from, for the start-up log line. */
  source: string;
  /** The kubeconfig context used (absent in-cluster), for the start-up log line. */
  context?: string;
  /** Puts TLS options and authentication on one request's options (may set `agent` for a proxy). */
  apply(options: https.RequestOptions): Promise<void>;
};

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

// client-go re-reads a token file at most once a minute; the kubelet rotates projected
// service-account tokens long before they expire, and certificates rotate slower still.
const FILE_REFRESH_MS = 60_000;

/** A file's content, re-read at most once a minute; a failed re-read keeps the last good content. */
const refreshingFile = (path: string): (() => Buffer) => {
  let cached: { at: number; content: Buffer } | undefined;
  return () => {
    const now = Date.now();
    if (cached && now - cached.at < FILE_REFRESH_MS) return cached.content;
    try {
      cached = { at: now, content: readFileSync(path) };
    } catch (error) {
      if (!cached) throw error;
      cached = { ...cached, at: now };
    }
    return cached.content;
  };
};

type ClusterEntry = {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
};
type UserEntry = {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
  as?: string;
};
type Named<K extends string, T> = { name: string } & { [key in K]: T };
type KubeconfigDocument = {
  clusters?: Array<Named<'cluster', ClusterEntry>>;
  users?: Array<Named<'user', UserEntry>>;
  contexts?: Array<Named<'context', { cluster: string; user: string; namespace?: string }>>;
  'current-context'?: string;
};

const FILE_KEYS = ['certificate-authority', 'client-certificate', 'client-key', 'tokenFile'] as const;

/** Paths inside a kubeconfig are relative to the file that holds them. */
const absolutePaths = <T extends object>(entry: T, folder: string): T => {
  const copy = { ...entry } as Record<string, unknown>;
  for (const key of FILE_KEYS) {
    const value = copy[key];
    if (typeof value === 'string' && value && !isAbsolute(value)) copy[key] = join(folder, value);
  }
  return copy as unknown as T;
};

const readDocument = (path: string): KubeconfigDocument => {
  let document: KubeconfigDocument;
  try {
    document = (parse(readFileSync(path, 'utf8')) ?? {}) as KubeconfigDocument;
  } catch (error) {
    throw new Error(`reading kubeconfig ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const folder = dirname(path);
  return {
    ...document,
    clusters: document.clusters?.map((entry) => ({ ...entry, cluster: absolutePaths(entry.cluster ?? {}, folder) })),
    users: document.users?.map((entry) => ({ ...entry, user: absolutePaths(entry.user ?? {}, folder) })),
  };
};

/** kubectl's merge of a KUBECONFIG list: the first file to name an entry (or the context) wins. */
const mergeDocuments = (documents: KubeconfigDocument[]): KubeconfigDocument => {
  const firstByName = <T extends { name: string }>(lists: Array<T[] | undefined>): T[] => {
    const seen = new Map<string, T>();
    for (const list of lists) for (const entry of list ?? []) if (!seen.has(entry.name)) seen.set(entry.name, entry);
    return [...seen.values()];
  };
  return {
    clusters: firstByName(documents.map((document) => document.clusters)),
    users: firstByName(documents.map((document) => document.users)),
    contexts: firstByName(documents.map((document) => document.contexts)),
    'current-context': documents.find((document) => document['current-context'])?.['current-context'],
  };
};

const fromData = (data: string | undefined): (() => Buffer) | undefined => {
  if (!data) return undefined;
  const decoded = Buffer.from(data, 'base64');
  return () => decoded;
};
const fromFile = (path: string | undefined): (() => Buffer) | undefined => (path ? refreshingFile(path) : undefined);

/** Token, token file, client certificate, basic auth: no plugin, no proxy. */
const staticCredentials = (server: string, source: string, cluster: ClusterEntry, user: UserEntry): Credentials => {
  const ca = fromData(cluster['certificate-authority-data']) ?? fromFile(cluster['certificate-authority']);
  const cert = fromData(user['client-certificate-data']) ?? fromFile(user['client-certificate']);
  const key = fromData(user['client-key-data']) ?? fromFile(user['client-key']);
  const tokenFile = fromFile(user.tokenFile);
  const token = user.token ? () => user.token ?? '' : tokenFile ? () => tokenFile().toString('utf8').trim() : undefined;
  const basic = user.username ? Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64') : undefined;
  return {
    server,
    source,
    async apply(options) {
      if (ca) options.ca = ca();
      if (cert) options.cert = cert();
      if (key) options.key = key();
      if (cluster['insecure-skip-tls-verify']) options.rejectUnauthorized = false;
      if (cluster['tls-server-name']) options.servername = cluster['tls-server-name'];
      const headers = (options.headers ??= {}) as Record<string, string>;
      if (token) headers.Authorization = `Bearer ${token()}`;
      else if (basic) headers.Authorization = `Basic ${basic}`;
    },
  };
};

/** Exec plugins, auth-providers, proxies, impersonation: client-node, imported on first use. */
const delegatedCredentials = (server: string, source: string, document: KubeconfigDocument): Credentials => {
  let loading: Promise<KubeConfig> | undefined;
  const load = async (): Promise<KubeConfig> => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const config = new KubeConfig();
    config.loadFromString(stringify(document));
    return config;
  };
  return {
    server,
    source,
    async apply(options) {
      const config = await (loading ??= load());
      await config.applyToHTTPSOptions(options);
      // Its agent has keep-alive off; only a proxy needs it.
      if (!config.getCurrentCluster()?.proxyUrl) delete options.agent;
    },
  };
};

const needsClientNode = (cluster: ClusterEntry, user: UserEntry): boolean => Boolean(user.exec || user['auth-provider'] || user.as || cluster['proxy-url']);

const fromKubeconfig = (paths: string[], source: string, chosenContext?: string): Credentials => {
  const merged = mergeDocuments(paths.map(readDocument));
  // --context overrides current-context, as kubectl's does (client-node reads it from the document too).
  const document = chosenContext ? { ...merged, 'current-context': chosenContext } : merged;
  const contextName = document['current-context'];
  const context = document.contexts?.find((entry) => entry.name === contextName)?.context;
  if (!context && chosenContext) throw new Error(`kubeconfig ${source}: context "${chosenContext}" is not defined`);
  if (!context) throw new Error(`kubeconfig ${source}: no current context${contextName ? ` (current-context "${contextName}" is not defined)` : ''}`);
  const cluster = document.clusters?.find((entry) => entry.name === context.cluster)?.cluster;
  if (!cluster?.server) throw new Error(`kubeconfig ${source}: cluster "${context.cluster}" has no server`);
  const user = document.users?.find((entry) => entry.name === context.user)?.user ?? {};
  const server = cluster.server.replace(/\/+$/, '');
  const credentials = needsClientNode(cluster, user) ? delegatedCredentials(server, source, document) : staticCredentials(server, source, cluster, user);
  return { ...credentials, context: contextName };
};

const inClusterCredentials = (env: NodeJS.ProcessEnv, folder: string): Credentials => {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`;
  return staticCredentials(server, 'in-cluster service account', { 'certificate-authority': join(folder, 'ca.crt') }, { tokenFile: join(folder, 'token') });
};

/**
 * An explicit path (or path list) wins: the operator asked for it. Then the in-cluster service
 * account, then `KUBECONFIG`, then ~/.kube/config. No credentials at all is a configuration
 * error (a sentence, thrown at once), not something to retry. `context` (kubectl's --context)
 * picks a kubeconfig context other than the current one, and so never means the service account.
 */
export const loadCredentials = (
  explicitPath?: string,
  env: NodeJS.ProcessEnv = process.env,
  serviceAccountDir = SERVICE_ACCOUNT_DIR,
  context?: string,
): Credentials => {
  const list = (value: string) => value.split(delimiter).filter(Boolean);
  if (explicitPath) return fromKubeconfig(list(explicitPath), explicitPath, context);
  // A context names a kubeconfig entry: asking for one means a kubeconfig, not the pod's account.
  if (!context && env.KUBERNETES_SERVICE_HOST && existsSync(join(serviceAccountDir, 'token'))) return inClusterCredentials(env, serviceAccountDir);
  if (env.KUBECONFIG) {
    const present = list(env.KUBECONFIG).filter((path) => existsSync(path));
    if (present.length > 0) return fromKubeconfig(present, `KUBECONFIG=${env.KUBECONFIG}`, context);
  }
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return fromKubeconfig([home], '~/.kube/config', context);
  throw new Error('no kubeconfig: not running in a cluster, KUBECONFIG names no existing file and ~/.kube/config does not exist (pass --kubeconfig)');
};
