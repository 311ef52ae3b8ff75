// TLS references outside the listeners (src/kube/gateway-tls.ts): a Gateway's client CA bundles
// and backend client certificate, and a BackendTLSPolicy's CA bundles. Judged as listener
// certificateRefs are: a kind the controller reads, a ReferenceGrant across namespaces,
// existence, usable content; on UPDATE only a reference the request added is denied. No
// placeholder for any: a stand-in CA or client certificate would authenticate the wrong parties.
import { backendTlsCaRefsOf, gatewayTlsRefsOf, type GatewayTlsRef } from '../../kube/gateway-tls.ts';
import { refKey, type CertRef } from '../../kube/gateway.ts';
import { namespaceOf, nameOf } from '../../kube/accessors.ts';
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

/** What a CA bundle's verdict needs: a BackendTLSPolicy is no listener owner, and its refs are local. */
type CaContext = Pick<JudgeContext, 'view' | 'settings' | 'now' | 'signal'> & { owner?: JudgeContext['owner'] };

const isAllowedCaKind = ({ settings }: CaContext, ref: CertRef): boolean => ref.group === '' && (settings.caCertificateRefKinds as string[]).includes(ref.kind);

/** The bundle's judgement, `true` for a Secret whose content is not read (secretContent off), undefined when missing. */
const lookUpBundle = async ({ view, settings, signal }: CaContext, ref: CertRef): Promise<CaBundleJudgement | true | undefined> => {
  if (ref.kind === 'ConfigMap') return view.judgeConfigMap(ref.namespace, ref.name, CA_BUNDLE_JUDGE, { signal });
  if (settings.secretContent === 'off') return (await view.get('secrets', ref.namespace, ref.name, { signal })) ? true : undefined;
  return view.judgeSecret(ref.namespace, ref.name, CA_BUNDLE_JUDGE, { signal });
};

const judgeCaRef = async (context: CaContext, ref: CertRef): Promise<CaVerdict> => {
  if (!isAllowedCaKind(context, ref)) return { code: 'unsupported' };
  // Permission before existence, as for listener refs: a denial never reveals another namespace's objects.
  if (context.owner && !isPermitted(context.view, context.owner, ref)) return { code: 'not-permitted' };
  const bundle = await lookUpBundle(context, ref);
  if (bundle === undefined) return { code: 'missing' };
  if (bundle === true || context.settings.secretContent === 'off') return { code: 'ok' };
  const problem = caProblemAt(bundle, context.now);
  return problem ? { code: 'unusable', problem } : { code: 'ok' };
};

/** The sentence for a broken reference and whether it is about content (secretContent decides those), or undefined when usable. */
type Broken = { message: string; content: boolean } | undefined;

const judgeCa = async (context: CaContext, site: TlsRefSite): Promise<Broken> => {
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

/** The references the object carried before this UPDATE (empty for CREATE): those are only warned about. */
const previousRefs = (request: PolicyRequest, refsOf: (object: unknown) => GatewayTlsRef[]): Set<string> => {
  if (request.operation !== 'UPDATE' || !request.oldObject) return new Set();
  return new Set(refsOf(request.oldObject).map(identityOf));
};

/** Kept refs only warn; a new content problem follows secretContent; anything else new is denied. */
const route = async (refs: GatewayTlsRef[], judged: Promise<Broken>[], previous: Set<string>, context: CaContext, outcome: Outcome): Promise<void> => {
  (await Promise.all(judged)).forEach((broken, index) => {
    const tlsRef = refs[index];
    if (!broken || !tlsRef) return;
    if (previous.has(identityOf(tlsRef))) outcome.warnings.push(alreadyBroken(broken.message));
    else if (broken.content && context.settings.secretContent === 'warn') outcome.warnings.push(broken.message);
    else outcome.violations.push(broken.message);
  });
};

/** Judges every spec.tls reference of a Gateway into `outcome`. A ListenerSet has none. */
export const checkGatewayTlsRefs = async (request: PolicyRequest, context: JudgeContext, outcome: Outcome): Promise<void> => {
  const { owner } = context;
  if (owner.kind !== 'Gateway') return;
  const refsOf = (object: unknown) => gatewayTlsRefsOf(object, owner.namespace);
  const refs = refsOf(request.object);
  if (refs.length === 0) return;
  const judged = refs.map((tlsRef) => (tlsRef.purpose === 'client-ca' ? judgeCa(context, { owner, tlsRef }) : judgeClient(context, { owner, tlsRef })));
  await route(refs, judged, previousRefs(request, refsOf), context, outcome);
};

/** Judges a BackendTLSPolicy's spec.validation.caCertificateRefs into `outcome`. */
export const checkBackendTlsPolicy = async (request: PolicyRequest, context: Omit<CaContext, 'owner'>, outcome: Outcome): Promise<void> => {
  const namespace = namespaceOf(request.object, request.namespace);
  const owner = { kind: 'BackendTLSPolicy', namespace, name: nameOf(request.object) ?? request.name ?? '' };
  const refsOf = (object: unknown) => backendTlsCaRefsOf(object, namespace);
  const refs = refsOf(request.object);
  if (refs.length === 0) return;
  const judged = refs.map((tlsRef) => judgeCa(context, { owner, tlsRef }));
  await route(refs, judged, previousRefs(request, refsOf), context, outcome);
};
