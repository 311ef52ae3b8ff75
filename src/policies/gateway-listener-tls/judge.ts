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

/** The content verdict the view already holds: no promise, the steady review's case (25 listeners, 25 hits). */
const knownContent = ({ view, settings }: JudgeContext, ref: CertRef): ContentJudgement | undefined =>
  settings.secretContent === 'off' ? undefined : view.knownSecretVerdict(ref.namespace, ref.name, SECRET_CONTENT_JUDGE)?.verdict;

// A read is shared by every listener naming that Secret.
const readSecret = (context: JudgeContext, ref: CertRef): Promise<SecretFound> => {
  const key = `${ref.namespace}/${ref.name}`;
  let found = context.secrets.get(key);
  if (!found) context.secrets.set(key, (found = lookUpSecret(context, ref)));
  return found;
};

const OK: Verdict = Object.freeze({ code: 'ok' });
const MISSING: Verdict = Object.freeze({ code: 'missing' });

// A kept verdict's content is the same object review after review: its "ok" is built once, and
// a review of a usable Gateway allocates no verdict (bench/README.md).
const okVerdicts = new WeakMap<ContentJudgement, Verdict>();

const contentVerdict = (content: ContentJudgement, now: Date): Verdict => {
  const problem = problemAt(content, now);
  if (problem) return { code: 'unusable', problem };
  if (!('names' in content)) return OK;
  let verdict = okVerdicts.get(content);
  if (!verdict)
    okVerdicts.set(content, (verdict = Object.freeze({ code: 'ok', served: Object.freeze({ names: content.names, placeholder: content.placeholder }) })));
  return verdict;
};

const verdictOf = (secret: SecretFound, now: Date): Verdict => {
  if (!secret.exists) return MISSING;
  return secret.content ? contentVerdict(secret.content, now) : OK;
};

/** The verdict, at once when the view holds what it needs; a promise only when it must read. */
export const judgeRef = (context: JudgeContext, ref: CertRef): Verdict | Promise<Verdict> => {
  const core = isCoreSecret(ref);
  if (!core && !isAllowedKind(context.settings, ref)) return { code: 'unsupported' };
  // Permission before existence: it is the first fix, and a denial must not reveal whether a
  // Secret exists in a namespace the owner may not read from.
  if (!isPermitted(context.view, context.owner, ref)) return { code: 'not-permitted' };
  // An allowed non-Secret kind is the controller's business: the view cannot read arbitrary kinds.
  if (!core) return OK;
  const known = knownContent(context, ref);
  if (known) return contentVerdict(known, context.now);
  return readSecret(context, ref).then((found) => verdictOf(found, context.now));
};

/** Every ref's verdict: one Promise.all only when some verdict had to be read. */
export const judgeRefs = (context: JudgeContext, refs: CertRef[]): Verdict[] | Promise<Verdict[]> => {
  const verdicts = refs.map((ref) => judgeRef(context, ref));
  return verdicts.some((verdict) => verdict instanceof Promise) ? Promise.all(verdicts) : (verdicts as Verdict[]);
};
