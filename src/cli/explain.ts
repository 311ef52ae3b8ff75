// `certguard explain gateway|listenerset|certificate|secret NS/NAME`: the issuance chain behind a
// listener's certificate, hop by hop, the first broken hop named with the policy's own sentence.
// Read-only: live, it GETs and lists what each hop needs and creates nothing. Also run as
// `kubectl certguard explain ...` (bin/kubectl-certguard.js).
import { loadCredentials } from '../cluster/live/kubeconfig.ts';
import { KubeClient } from '../cluster/live/kube-client.ts';
import { readManifests } from '../cluster/manifest-view.ts';
import { buildPolicies } from '../compose.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { createNameResolver, type NameResolver } from '../dns/resolver.ts';
import { explain, NotFoundError } from '../explain/explain.ts';
import { formatExplanation, OUTPUT_FORMATS, type OutputFormat } from '../explain/format.ts';
import { factConfigOf, JUDGED_POLICIES, type CertificatePolicies } from '../explain/judged-policies.ts';
import type { Explanation, Target } from '../explain/model.ts';
import { liveSource, manifestSource, type ExplainSource } from '../explain/source.ts';
import { resolverOptionsFrom } from '../policies/certificate-dns/settings.ts';
import { createLogger } from '../server/logger.ts';
import { helpText, parseFlags, UsageError, type FlagSpec } from './args.ts';

const FLAGS: Record<string, FlagSpec> = {
  namespace: { type: 'string', short: 'n', default: 'default', description: 'namespace of NAME when it is given without one (NS/NAME wins)' },
  manifests: { type: 'string', multiple: true, description: 'file or folder of objects to explain from (repeatable), instead of the live cluster' },
  kubeconfig: {
    type: 'string',
    env: 'KUBECONFIG',
    description: 'kubeconfig of the live cluster (in-cluster service account, then ~/.kube/config when absent)',
  },
  context: { type: 'string', description: 'kubeconfig context to use instead of the current one' },
  config: { type: 'string', env: 'CERTGUARD_CONFIG', description: 'policy configuration (YAML), as the webhook uses: DNS resolvers, caps, CAA identities' },
  output: { type: 'string', short: 'o', default: 'table', description: `one of ${OUTPUT_FORMATS.join(', ')}` },
  verbose: { type: 'boolean', short: 'v', description: "table: expand healthy chains and show every hop's details" },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

const SUMMARY = [
  'Explain why a certificate is (not) served: gateway|listenerset|certificate|secret NS/NAME.',
  'Exit 0 healthy, 1 something broken or pending (or the object does not exist), 2 usage, 3 could not read the cluster (or a hop could not be read and nothing else is broken).',
].join('\n');

const KINDS: Record<string, Target['kind']> = {
  gateway: 'Gateway',
  gateways: 'Gateway',
  gtw: 'Gateway',
  listenerset: 'ListenerSet',
  listenersets: 'ListenerSet',
  certificate: 'Certificate',
  certificates: 'Certificate',
  cert: 'Certificate',
  certs: 'Certificate',
  secret: 'Secret',
  secrets: 'Secret',
};

/** `gateway NS/NAME`, `gateway NAME -n NS`, or kubectl's `gateway/NAME`. */
export const targetOf = (positionals: string[], namespace: string): Target => {
  const [first, second, ...rest] = positionals;
  const [kindWord, named] =
    first?.includes('/') && second === undefined ? [first.slice(0, first.indexOf('/')), first.slice(first.indexOf('/') + 1)] : [first, second];
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  const word = kindWord?.toLowerCase() ?? '';
  const kind = Object.hasOwn(KINDS, word) ? KINDS[word] : undefined;
  if (!kind) throw new UsageError(`give what to explain: gateway, listenerset, certificate or secret${kindWord ? ` (got "${kindWord}")` : ''}, then NS/NAME`);
  if (!named) throw new UsageError(`give the ${kind}'s NS/NAME (or NAME with -n NS)`);
  const parts = named.split('/');
  if (parts.length > 2 || parts.some((part) => part === '')) throw new UsageError(`"${named}" is not NS/NAME or NAME`);
  return parts.length === 2 ? { kind, namespace: parts[0] ?? '', name: parts[1] ?? '' } : { kind, namespace, name: parts[0] ?? '' };
};

const outputOf = (value: unknown): OutputFormat => {
  if (!(OUTPUT_FORMATS as readonly unknown[]).includes(value))
    throw new UsageError(`--output must be one of ${OUTPUT_FORMATS.join(', ')}, got "${String(value)}"`);
  return value as OutputFormat;
};

export const exitCodeOf = (explanation: Explanation): number => {
  if (explanation.status === 'healthy') return 0;
  return explanation.status === 'unknown' ? 3 : 1;
};

/** The composition root's certificate-dns and certificate-issuable, enforced for the facts and as configured for admission. */
export const certificatePoliciesOf = (config: Config, resolver: NameResolver): CertificatePolicies => {
  const build = (from: Config) =>
    buildPolicies(from, { logger: createLogger('silent'), resolver }).filter((policy) => (JUDGED_POLICIES as readonly string[]).includes(policy.id));
  return { facts: build(factConfigOf(config)), admission: build(config) };
};

const sourceFrom = async (values: Record<string, unknown>): Promise<{ source: ExplainSource; close: () => void }> => {
  const manifests = values.manifests as string[] | undefined;
  if (manifests) {
    if (values.context) throw new UsageError('--context selects a live cluster: it cannot be combined with --manifests');
    return { source: manifestSource(await readManifests(manifests)), close: () => {} };
  }
  const client = new KubeClient(loadCredentials(values.kubeconfig as string | undefined, process.env, undefined, values.context as string | undefined));
  return { source: liveSource(client), close: () => client.close() };
};

export const run = async (args: string[]): Promise<number> => {
  let close = () => {};
  try {
    const { values, positionals } = parseFlags(args, FLAGS);
    if (values.help) {
      process.stdout.write(`${helpText('explain gateway|listenerset|certificate|secret NS/NAME', SUMMARY, FLAGS)}\n`);
      return 0;
    }
    const target = targetOf(positionals, values.namespace as string);
    const format = outputOf(values.output);
    const config = await loadConfig(values.config as string | undefined, (message) => process.stderr.write(`certguard explain: ${message}\n`));
    const resolver = createNameResolver(resolverOptionsFrom(config.policies['certificate-dns']));
    const certificatePolicies = certificatePoliciesOf(config, resolver);
    const opened = await sourceFrom(values);
    close = opened.close;
    const explanation = await explain(target, { source: opened.source, config, certificatePolicies, resolver, now: new Date() });
    process.stdout.write(formatExplanation(explanation, format, values.verbose === true));
    return exitCodeOf(explanation);
  } catch (error) {
    process.stderr.write(`certguard explain: ${(error as Error).message}\n`);
    if (error instanceof UsageError || error instanceof ConfigError) return 2;
    if (error instanceof NotFoundError) return 1;
    return 3;
  } finally {
    close();
  }
};
