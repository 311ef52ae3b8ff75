// The Secret hop: gateway-listener-tls's own verdict on the certificateRef (judgeRef: kind,
// ReferenceGrant, existence, content) and its own sentence for it (messageFor, coverageWarning),
// with the facts behind it: type, the certificate's issuer, validity and names, placeholder or not.
import { X509Certificate } from 'node:crypto';
import type { ListenerOwner } from '../kube/gateway.ts';
import type { KubeObject } from '../kube/object.ts';
import { coverageWarning } from '../policies/gateway-listener-tls/coverage.ts';
import { issuanceOf, type Issuance } from '../policies/gateway-listener-tls/issuance.ts';
import { judgeRef, type Verdict } from '../policies/gateway-listener-tls/judge.ts';
import { describeProblem, type Site } from '../policies/gateway-listener-tls/messages.ts';
import { judgeSecretContent, problemAt } from '../policies/gateway-listener-tls/secret-content.ts';
import { CREATED_AT_ANNOTATION } from '../policies/gateway-listener-tls/placeholder-labels.ts';
import { messageFor } from '../policies/gateway-listener-tls/policy.ts';
import type { ExplainContext } from './context.ts';
import * as messages from './messages.ts';
import type { Hop } from './model.ts';

type SecretData = { data?: Record<string, string>; stringData?: Record<string, string> };

// stringData only in hand-written manifests (as secret-content.ts reads it).
const crtOf = (secret: KubeObject): Buffer | undefined => {
  const { data, stringData } = secret as SecretData;
  if (data?.['tls.crt']) return Buffer.from(data['tls.crt'], 'base64');
  return stringData?.['tls.crt'] ? Buffer.from(stringData['tls.crt'], 'utf8') : undefined;
};

const certificateOf = (secret: KubeObject): X509Certificate | undefined => {
  const crt = crtOf(secret);
  try {
    return crt ? new X509Certificate(crt) : undefined;
  } catch {
    return undefined;
  }
};

/** What -v shows of a Secret: never its data, only what every TLS handshake shows anyway. */
export const secretFacts = (secret: KubeObject): string[] => {
  const facts = [
    `type ${typeof secret.type === 'string' ? secret.type : 'Opaque'}`,
    `keys ${[...new Set([...Object.keys((secret as SecretData).data ?? {}), ...Object.keys((secret as SecretData).stringData ?? {})])].sort().join(', ') || 'none'}`,
  ];
  const certificate = certificateOf(secret);
  if (certificate) {
    facts.push(
      `issuer ${certificate.issuer.replaceAll('\n', ', ')}`,
      `valid ${new Date(certificate.validFrom).toISOString()} to ${new Date(certificate.validTo).toISOString()}`,
    );
    facts.push(`names ${certificate.subjectAltName ?? `(no subjectAltName) ${certificate.subject.replaceAll('\n', ', ')}`}`);
  }
  const issuer = secret.metadata?.annotations?.['cert-manager.io/issuer-name'];
  if (issuer) facts.push(`cert-manager issuer annotation ${secret.metadata?.annotations?.['cert-manager.io/issuer-kind'] ?? 'Issuer'} ${issuer}`);
  return facts;
};

export const placeholderSince = (secret: KubeObject | undefined): string | undefined =>
  secret?.metadata?.annotations?.[CREATED_AT_ANNOTATION] ?? secret?.metadata?.creationTimestamp;

export type SecretResult = { hop: Hop; verdict?: Verdict; issuance: Issuance };

const statusOfVerdict = (verdict: Verdict, issuance: Issuance): Hop['status'] => {
  if (verdict.code === 'ok') return verdict.served?.placeholder ? 'pending' : 'ok';
  // Missing while a Certificate by another route will fill it: waiting, unless that route fails (later hops say).
  if (verdict.code === 'missing' && issuance.code === 'managed' && issuance.route.code !== 'this-gateway') return 'pending';
  return 'broken';
};

export const secretHop = async (context: ExplainContext, site: Site, ownerObject: KubeObject): Promise<SecretResult> => {
  const { view, config, now } = context;
  const settings = config.policies['gateway-listener-tls'];
  const owner: ListenerOwner = site.owner;
  const verdict = await judgeRef({ view, owner, settings, now, secrets: new Map() }, site.ref);
  const issuance = await issuanceOf({ view, owner, object: ownerObject }, site.ref);
  const secret = verdict.code === 'ok' || verdict.code === 'unusable' ? await view.get('secrets', site.ref.namespace, site.ref.name) : undefined;
  const details = secret ? secretFacts(secret) : [];
  const name = `Secret ${site.ref.namespace}/${site.ref.name}`;
  const status = statusOfVerdict(verdict, issuance);
  if (verdict.code !== 'ok') {
    return {
      hop: { hop: 'secret', status, summary: `${name}: ${verdict.code}`, message: messageFor(verdict, site, issuance, settings), details },
      verdict,
      issuance,
    };
  }
  const uncovered = coverageWarning(site, verdict, issuance);
  if (verdict.served?.placeholder) {
    const since = placeholderSince(secret);
    details.push(`certguard placeholder since ${since ?? 'unknown'}`);
    return {
      hop: { hop: 'secret', status, summary: `${name}: certguard placeholder`, message: messages.placeholderServing(site.ref, since), details },
      verdict,
      issuance,
    };
  }
  if (uncovered)
    return {
      hop: { hop: 'secret', status: 'broken', summary: `${name}: does not cover the listener hostname`, message: uncovered, details },
      verdict,
      issuance,
    };
  details.push('key matches the certificate');
  return {
    hop: { hop: 'secret', status, summary: `${name}: serves ${verdict.served?.names.dnsNames.join(', ') || 'a certificate'}`, details },
    verdict,
    issuance,
  };
};

/** A Secret no listener references (explain secret/certificate): its existence and content, judged by the same function. */
export const bareSecretHop = async (context: ExplainContext, namespace: string, name: string, managed: boolean): Promise<Hop> => {
  const secret = await context.view.get('secrets', namespace, name);
  const named = { namespace, name };
  if (!secret)
    return {
      hop: 'secret',
      status: managed ? 'pending' : 'broken',
      summary: `Secret ${namespace}/${name}: missing`,
      message: messages.secretMissing(named),
      details: [],
    };
  const details = secretFacts(secret);
  const judgement = judgeSecretContent(secret);
  const problem = problemAt(judgement, context.now);
  if (problem)
    return {
      hop: 'secret',
      status: 'broken',
      summary: `Secret ${namespace}/${name}: ${problem.code}`,
      message: messages.secretUnusable(named, `${describeProblem(problem).what}. Fix: ${describeProblem(problem).fix}`),
      details,
    };
  if ('placeholder' in judgement && judgement.placeholder) {
    const since = placeholderSince(secret);
    return {
      hop: 'secret',
      status: 'pending',
      summary: `Secret ${namespace}/${name}: certguard placeholder`,
      message: messages.placeholderServing(named, since),
      details,
    };
  }
  return { hop: 'secret', status: 'ok', summary: `Secret ${namespace}/${name}: usable`, details };
};
