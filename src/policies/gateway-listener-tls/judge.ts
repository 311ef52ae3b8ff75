// The verdict on one certificate reference, in the order a controller resolves it:
// a kind it can read, permission to cross namespaces, the Secret's existence, its content.
import type { ClusterView } from '../../cluster/view.ts';
import { isPermitted } from './grants.ts';
import { isCoreSecret, type CertRef, type ListenerOwner } from '../../kube/gateway.ts';
import { problemAt, SECRET_CONTENT_JUDGE, type ContentJudgement, type ContentProblem, type ServedNames } from './secret-content.ts';
import type { GatewayListenerTlsSettings } from './settings.ts';

/** What a usable Secret's certificate serves, when its content was judged. */
export type Served = { names: ServedNames; placeholder: boolean };

export type Verdict =
  { code: 'ok'; served?: Served } | { code: 'unsupported' } | { code: 'not-permitted' } | { code: 'missing' } | { code: 'unusable'; problem: ContentProblem };

export type JudgeContext = {
  view: ClusterView;
  owner: ListenerOwner;
  settings: GatewayListenerTlsSettings;
  now: Date;
  /** The review's deadline, for the view's GETs. */
  signal?: AbortSignal;
  /** One read per Secret per request: several listeners often share one. */
  secrets: Map<string, Promise<SecretFound>>;
};

/** Whether the Secret exists and, when content is checked, the view's verdict on it. */
type SecretFound = { exists: false } | { exists: true; content?: ContentJudgement };

const NOT_FOUND: SecretFound = { exists: false };

const isAllowedKind = (settings: GatewayListenerTlsSettings, ref: CertRef): boolean =>
  settings.allowedRefKinds.some((allowed) => (allowed.group ?? '') === ref.group && allowed.kind === ref.kind);

// With content checks on, the view judges the content (and remembers the verdict, not the
// Secret); off, existence is a cache lookup.
const lookUpSecret = async ({ view, settings, signal }: JudgeContext, ref: CertRef): Promise<SecretFound> => {
  if (settings.secretContent === 'off') return (await view.get('secrets', ref.namespace, ref.name, { signal })) ? { exists: true } : NOT_FOUND;
  const content = await view.judgeSecret(ref.namespace, ref.name, SECRET_CONTENT_JUDGE, { signal });
  return content ? { exists: true, content } : NOT_FOUND;
};

/** A verdict the view already holds: no promise, the steady review's case (25 listeners, 25 hits). */
const knownSecret = ({ view, settings }: JudgeContext, ref: CertRef): SecretFound | undefined => {
  if (settings.secretContent === 'off') return undefined;
  const known = view.knownSecretVerdict(ref.namespace, ref.name, SECRET_CONTENT_JUDGE);
  return known && { exists: true, content: known.verdict };
};

// A known verdict needs no sharing; a read is shared by every listener naming that Secret.
const getSecret = (context: JudgeContext, ref: CertRef): SecretFound | Promise<SecretFound> => {
  const known = knownSecret(context, ref);
  if (known) return known;
  const key = `${ref.namespace}/${ref.name}`;
  let found = context.secrets.get(key);
  if (!found) context.secrets.set(key, (found = lookUpSecret(context, ref)));
  return found;
};

const verdictOf = (secret: SecretFound, now: Date): Verdict => {
  if (!secret.exists) return { code: 'missing' };
  if (!secret.content) return { code: 'ok' };
  const problem = problemAt(secret.content, now);
  if (problem) return { code: 'unusable', problem };
  return 'names' in secret.content ? { code: 'ok', served: { names: secret.content.names, placeholder: secret.content.placeholder } } : { code: 'ok' };
};

/** The verdict, at once when the view holds what it needs; a promise only when it must read. */
export const judgeRef = (context: JudgeContext, ref: CertRef): Verdict | Promise<Verdict> => {
  const core = isCoreSecret(ref);
  if (!core && !isAllowedKind(context.settings, ref)) return { code: 'unsupported' };
  // Permission before existence: it is the first fix, and a denial must not reveal whether a
  // Secret exists in a namespace the owner may not read from.
  if (!isPermitted(context.view, context.owner, ref)) return { code: 'not-permitted' };
  // An allowed non-Secret kind is the controller's business: the view cannot read arbitrary kinds.
  if (!core) return { code: 'ok' };
  const secret = getSecret(context, ref);
  return secret instanceof Promise ? secret.then((found) => verdictOf(found, context.now)) : verdictOf(secret, context.now);
};

/** Every ref's verdict: one Promise.all only when some verdict had to be read. */
export const judgeRefs = (context: JudgeContext, refs: CertRef[]): Verdict[] | Promise<Verdict[]> => {
  const verdicts = refs.map((ref) => judgeRef(context, ref));
  return verdicts.some((verdict) => verdict instanceof Promise) ? Promise.all(verdicts) : (verdicts as Verdict[]);
};
