// One chain: a listener's certificateRef (or a Secret no listener uses) through every hop, each
// hop guarded so that a read it cannot do only marks that hop. Hops after the issuer are ACME's;
// a non-ACME issuer (CA, Vault) has no challenges, so they are skipped.
import type { KubeObject } from '../kube/object.ts';
import type { Site } from '../policies/gateway-listener-tls/messages.ts';
import { certificateOf, gatewayCertificatesOf, listenerSetCertificatesOf, type JudgedCertificate } from '../policies/certificate-dns/shim.ts';
import type { Issuance } from '../policies/gateway-listener-tls/issuance.ts';
import { guard, skipped, type ExplainContext } from './context.ts';
import { certManagerHop, recordsOf, solverCapHop, solverRouteHop, type Records } from './hops-cert-manager.ts';
import { fillerHop, issuerHop, judgeCertificate, namesHop, type IssuerFacts, type PolicyVerdicts } from './hops-issuance.ts';
import { listenerHop, ownerHop, portOf } from './hops-listener.ts';
import { secretHop } from './hops-secret.ts';
import { concludeChain, type Chain, type Hop } from './model.ts';

type Issued = { certificate?: KubeObject; judged?: JudgedCertificate; verdicts?: PolicyVerdicts };

/** The Certificate object that fills the Secret (a shim's exists once cert-manager made it), and how certguard reads it. */
const issuedOf = async (context: ExplainContext, issuance: Issuance, ownerObject: KubeObject | undefined): Promise<Issued> => {
  if (issuance.code === 'unmanaged') return {};
  const { filler } = issuance;
  const certificate = await context.view.get('certificates', filler.namespace, filler.name);
  if (certificate)
    return { certificate, judged: certificateOf(certificate, filler.namespace), verdicts: await judgeCertificate(context, certificate, filler.name) };
  if (!ownerObject) return {};
  const derived =
    ownerObject.kind === 'Gateway' ? gatewayCertificatesOf(ownerObject, filler.namespace) : listenerSetCertificatesOf(ownerObject, filler.namespace);
  const judged = derived.certificates.find((candidate) => candidate.secretName === filler.name);
  return { judged, verdicts: judged ? await judgeCertificate(context, ownerObject, filler.name) : undefined };
};

const acmeHops = async (context: ExplainContext, issued: Issued, facts: IssuerFacts | undefined): Promise<Hop[]> => {
  const { judged, certificate } = issued;
  if (!judged || !facts?.acme) {
    const why = !judged ? 'no Certificate' : 'not an ACME issuer: no names to validate, no challenges';
    return [
      skipped('names', why),
      ...(certificate
        ? [await guard('cert-manager', async () => certManagerHop(certificate, await recordsOf(context, certificate)))]
        : [skipped('cert-manager', why)]),
      skipped('solver-route', why),
      skipped('solver-cap', why),
    ];
  }
  const hops: Hop[] = [await guard('names', () => namesHop(context, judged, facts, issued.verdicts))];
  if (!certificate)
    return [
      ...hops,
      skipped('cert-manager', 'cert-manager has not created the Certificate yet'),
      skipped('solver-route', 'no Certificate yet'),
      await guard('solver-cap', () => solverCapHop(context, judged.namespace, { challenges: [] })),
    ];
  let records: Records | undefined;
  const state = await guard('cert-manager', async () => certManagerHop(certificate, (records = await recordsOf(context, certificate))));
  hops.push(state);
  // Without cert-manager's records the solver routes cannot be told apart: the same read failed.
  hops.push(records ? await guard('solver-route', () => solverRouteHop(context, judged.namespace, records as Records)) : { ...state, hop: 'solver-route' });
  hops.push(await guard('solver-cap', () => solverCapHop(context, judged.namespace, records ?? { challenges: [] })));
  return hops;
};

/** From what fills the Secret onwards. */
export const issuanceHops = async (context: ExplainContext, issuance: Issuance, ownerObject: KubeObject | undefined): Promise<Hop[]> => {
  let issued: Issued = {};
  const filler = await guard('filler', async () => {
    issued = await issuedOf(context, issuance, ownerObject);
    return fillerHop(issuance, issued.certificate, issued.verdicts);
  });
  if (filler.status === 'skipped' || !issued.judged)
    return [
      filler,
      ...['issuer', 'names', 'cert-manager', 'solver-route', 'solver-cap'].map((hop) =>
        skipped(hop as Hop['hop'], filler.status === 'skipped' ? 'nothing issues this Secret' : 'what fills the Secret could not be read'),
      ),
    ];
  const judged = issued.judged;
  let facts: IssuerFacts | undefined;
  const issuer = await guard('issuer', async () => {
    const result = await issuerHop(context, judged);
    facts = result.facts;
    return result.hop;
  });
  return [filler, issuer, ...(await acmeHops(context, issued, facts))];
};

export const listenerChain = async (context: ExplainContext, site: Site, ownerObject: KubeObject): Promise<Chain> => {
  const { owner, listener, ref, refIndex } = site;
  const hops: Hop[] = [await guard('owner', () => ownerHop(context, owner, ownerObject)), listenerHop(site, ownerObject, portOf(ownerObject, listener))];
  let issuance: Issuance = { code: 'unmanaged' };
  hops.push(
    await guard('secret', async () => {
      const result = await secretHop(context, site, ownerObject);
      issuance = result.issuance;
      return result.hop;
    }),
  );
  hops.push(...(await issuanceHops(context, issuance, ownerObject)));
  const port = portOf(ownerObject, listener);
  return {
    listener: {
      owner: { kind: owner.kind, namespace: owner.namespace, name: owner.name },
      listener: listener.name,
      index: listener.index,
      ...(listener.protocol ? { protocol: listener.protocol } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(listener.hostname ? { hostname: listener.hostname } : {}),
      certificateRef: refIndex,
    },
    secret: { namespace: ref.namespace, name: ref.name },
    ...concludeChain(hops),
    hops,
  };
};
