// A Gateway's TLS references outside its listeners (src/kube/gateway-tls.ts), judged as listener
// certificateRefs are: a kind the controller reads, a ReferenceGrant across namespaces, existence,
// usable content; on UPDATE only a reference the request added is denied. No placeholder for
// either: a stand-in CA or client certificate would authenticate the wrong parties.
import { gatewayTlsRefsOf, type GatewayTlsRef } from '../../kube/gateway-tls.ts';
import { refKey, type CertRef } from '../../kube/gateway.ts';
import type { PolicyRequest } from '../types.ts';
import { caProblemAt, CA_BUNDLE_JUDGE, type CaBundleJudgement, type CaBundleProblem } from './ca-bundle.ts';
import { isPermitted } from './grants.ts';
import { judgeRef, type JudgeContext } from './judge.ts';
import { alreadyBroken } from './messages.ts';
import * as messages from './tls-ref-messages.ts';
import type { TlsRefSite } from './tls-ref-messages.ts';

type CaVerdict = { code: 'ok' } | { code: 'unsupported' } | { code: 'not-permitted' } | { code: 'missing' } | { code: 'unusable'; problem: CaBundleProblem };

/** What the sentences go to: the policy's violations and warnings. */
export type Outcome = { violations: string[]; warnings: string[] };

const isAllowedCaKind = ({ settings }: JudgeContext, ref: CertRef): boolean =>
  ref.group === '' && (settings.caCertificateRefKinds as string[]).includes(ref.kind);

/** The bundle's judgement, `true` for a Secret whose content is not read (secretContent off), undefined when missing. */
const lookUpBundle = async ({ view, settings, signal }: JudgeContext, ref: CertRef): Promise<CaBundleJudgement | true | undefined> => {
  if (ref.kind === 'ConfigMap') return view.judgeConfigMap(ref.namespace, ref.name, CA_BUNDLE_JUDGE, { signal });
  if (settings.secretContent === 'off') return (await view.get('secrets', ref.namespace, ref.name, { signal })) ? true : undefined;
  return view.judgeSecret(ref.namespace, ref.name, CA_BUNDLE_JUDGE, { signal });
};

const judgeCaRef = async (context: JudgeContext, ref: CertRef): Promise<CaVerdict> => {
  if (!isAllowedCaKind(context, ref)) return { code: 'unsupported' };
  // Permission before existence, as for listener refs: a denial never reveals another namespace's objects.
  if (!isPermitted(context.view, context.owner, ref)) return { code: 'not-permitted' };
  const bundle = await lookUpBundle(context, ref);
  if (bundle === undefined) return { code: 'missing' };
  if (bundle === true || context.settings.secretContent === 'off') return { code: 'ok' };
  const problem = caProblemAt(bundle, context.now);
  return problem ? { code: 'unusable', problem } : { code: 'ok' };
};

/** The sentence for a broken reference and whether it is about content (secretContent decides those), or undefined when usable. */
type Broken = { message: string; content: boolean } | undefined;

const judgeCa = async (context: JudgeContext, site: TlsRefSite): Promise<Broken> => {
  const verdict = await judgeCaRef(context, site.tlsRef.ref);
  switch (verdict.code) {
    case 'ok':
      return undefined;
    case 'unsupported':
      return { message: messages.unsupportedCaKind(site, context.settings.caCertificateRefKinds), content: false };
    case 'not-permitted':
      return { message: messages.refNotPermitted(site), content: false };
    case 'missing':
      return { message: messages.missingRef(site), content: false };
    case 'unusable':
      return { message: messages.unusableCaBundle(site, verdict.problem), content: true };
  }
};

// A client certificate is a listener certificate's twin (tls.crt + tls.key): the listener judge serves it.
const judgeClient = async (context: JudgeContext, site: TlsRefSite): Promise<Broken> => {
  const verdict = await judgeRef(context, site.tlsRef.ref);
  switch (verdict.code) {
    case 'ok':
      return undefined;
    case 'unsupported':
      return { message: messages.unsupportedClientKind(site), content: false };
    case 'not-permitted':
      return { message: messages.refNotPermitted(site), content: false };
    case 'missing':
      return { message: messages.missingRef(site), content: false };
    case 'unusable':
      return { message: messages.unusableClientCertificate(site, verdict.problem), content: true };
  }
};

const identityOf = (tlsRef: GatewayTlsRef): string => `${tlsRef.purpose}\u0000${tlsRef.scope}\u0000${refKey(tlsRef.ref)}`;

/** The references the Gateway carried before this UPDATE (empty for CREATE): those are only warned about. */
const previousRefs = (request: PolicyRequest, namespace: string): Set<string> => {
  if (request.operation !== 'UPDATE' || !request.oldObject) return new Set();
  return new Set(gatewayTlsRefsOf(request.oldObject, namespace).map(identityOf));
};

/** Judges every spec.tls reference of a Gateway into `outcome`. A ListenerSet has none. */
export const checkGatewayTlsRefs = async (request: PolicyRequest, context: JudgeContext, outcome: Outcome): Promise<void> => {
  const { owner, settings } = context;
  if (owner.kind !== 'Gateway') return;
  const refs = gatewayTlsRefsOf(request.object, owner.namespace);
  if (refs.length === 0) return;
  const previous = previousRefs(request, owner.namespace);
  const judged = await Promise.all(
    refs.map((tlsRef) => {
      const site = { owner, tlsRef };
      return tlsRef.purpose === 'client-ca' ? judgeCa(context, site) : judgeClient(context, site);
    }),
  );
  judged.forEach((broken, index) => {
    const tlsRef = refs[index];
    if (!broken || !tlsRef) return;
    if (previous.has(identityOf(tlsRef))) outcome.warnings.push(alreadyBroken(broken.message));
    else if (broken.content && settings.secretContent === 'warn') outcome.warnings.push(broken.message);
    else outcome.violations.push(broken.message);
  });
};
