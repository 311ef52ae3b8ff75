// The verdict on one certificate reference, in the order a controller resolves it:
// a kind it can read, permission to cross namespaces, the Secret's existence, its content.
import { isCoreSecret, type CertRef, type ListenerOwner } from '../../kube/gateway.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { isPermitted } from './grants.ts';
import { checkSecretContent, type ContentProblem } from './secret-content.ts';
import type { GatewayListenerTlsSettings } from './settings.ts';

export type Verdict =
  | { code: 'ok' }
  | { code: 'unsupported' }
  | { code: 'not-permitted' }
  | { code: 'missing' }
  | { code: 'unusable'; problem: ContentProblem };

export type JudgeContext = {
  view: ClusterView;
  owner: ListenerOwner;
  settings: GatewayListenerTlsSettings;
  now: Date;
  /** One lookup per Secret per request: several listeners often share one (and content is a live GET). */
  secrets: Map<string, Promise<KubeObject | undefined>>;
};

const isAllowedKind = (settings: GatewayListenerTlsSettings, ref: CertRef): boolean =>
  settings.allowedRefKinds.some((allowed) => (allowed.group ?? '') === ref.group && allowed.kind === ref.kind);

const getSecret = (context: JudgeContext, ref: CertRef): Promise<KubeObject | undefined> => {
  const key = `${ref.namespace}/${ref.name}`;
  let found = context.secrets.get(key);
  if (!found) {
    const content = context.settings.secretContent !== 'off';
    found = context.view.get('secrets', ref.namespace, ref.name, { content });
    context.secrets.set(key, found);
  }
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
  if (!secret) return { code: 'missing' };
  if (context.settings.secretContent === 'off') return { code: 'ok' };
  const problem = checkSecretContent(secret, context.now);
  return problem ? { code: 'unusable', problem } : { code: 'ok' };
};
