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
  /** One lookup per Secret per request: several listeners often share one. */
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

const getSecret = (context: JudgeContext, ref: CertRef): Promise<SecretFound> => {
  const key = `${ref.namespace}/${ref.name}`;
  let found = context.secrets.get(key);
  if (!found) context.secrets.set(key, (found = lookUpSecret(context, ref)));
  return found;
};

export const judgeRef = async (context: JudgeContext, ref: CertRef): Promise<Verdict> => {
  const core = isCoreSecret(ref);
  if (!core && !isAllowedKind(context.settings, ref)) return { code: 'unsupported' };
  // Permission before existence: it is the first fix, and a denial must not reveal whether a
  // Secret exists in a namespace the owner may not read from.
  if (!isPermitted(context.view, context.owner, ref)) return { code: 'not-permitted' };
  // An allowed non-Secret kind is the controller's business: the view cannot read arbitrary kinds.
  if (!core) return { code: 'ok' };
  const secret = await getSecret(context, ref);
  if (!secret.exists) return { code: 'missing' };
  if (!secret.content) return { code: 'ok' };
  const problem = problemAt(secret.content, context.now);
  if (problem) return { code: 'unusable', problem };
  return 'names' in secret.content ? { code: 'ok', served: { names: secret.content.names, placeholder: secret.content.placeholder } } : { code: 'ok' };
};
