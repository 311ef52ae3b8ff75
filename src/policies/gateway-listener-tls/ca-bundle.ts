// Whether a CA bundle can validate client certificates: Gateway API's core support is a ConfigMap
// "with the CA certificate in a key named `ca.crt`" (apis/v1 gateway_types.go, FrontendTLSValidation),
// and a bundle is usable when every PEM block in it parses and at least one is a CA certificate
// valid now. A Secret holding the bundle (implementation-specific) uses the same key.
import { X509Certificate } from 'node:crypto';
import type { ContentJudge } from '../../cluster/view.ts';
import type { KubeObject } from '../../kube/object.ts';
import { CLOCK_SKEW_MS } from './secret-content.ts';

export const CA_BUNDLE_KEY = 'ca.crt';

export type CaBundleProblem =
  | { code: 'missing-key' }
  | { code: 'no-certificate' }
  | { code: 'bad-certificate'; index: number }
  | { code: 'no-ca'; certificates: number }
  | { code: 'expired'; notAfter: Date }
  | { code: 'not-yet-valid'; notBefore: Date };

/** The validity windows of the bundle's CA certificates, or why it has none: independent of the clock. */
export type CaBundleJudgement = { problem: CaBundleProblem } | { windows: { notBefore: Date; notAfter: Date }[] };

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** ConfigMap data is text; Secret data is base64 (stringData only in hand-written manifests). */
const bundleOf = (object: KubeObject): string | undefined => {
  const { data, stringData } = object as { data?: Record<string, string>; stringData?: Record<string, string> };
  if (object.kind === 'Secret') {
    if (data?.[CA_BUNDLE_KEY]) return Buffer.from(data[CA_BUNDLE_KEY], 'base64').toString('utf8');
    return stringData?.[CA_BUNDLE_KEY] || undefined;
  }
  return data?.[CA_BUNDLE_KEY] || undefined;
};

const parse = (pem: string): X509Certificate | undefined => {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
};

export const judgeCaBundle = (object: KubeObject): CaBundleJudgement => {
  const bundle = bundleOf(object);
  if (!bundle) return { problem: { code: 'missing-key' } };
  const blocks = bundle.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) return { problem: { code: 'no-certificate' } };
  const certificates: X509Certificate[] = [];
  for (const [index, block] of blocks.entries()) {
    const certificate = parse(block);
    if (!certificate) return { problem: { code: 'bad-certificate', index } };
    certificates.push(certificate);
  }
  const cas = certificates.filter((certificate) => certificate.ca);
  if (cas.length === 0) return { problem: { code: 'no-ca', certificates: certificates.length } };
  return { windows: cas.map((ca) => ({ notBefore: ca.validFromDate, notAfter: ca.validToDate })) };
};

/** The judge the cluster view remembers verdicts of (bump the id when the judgement changes). */
export const CA_BUNDLE_JUDGE: ContentJudge<CaBundleJudgement> = { id: 'gateway-listener-tls/ca-bundle/1', judge: judgeCaBundle };

/** The judgement at `now`: usable while one CA certificate is inside its validity window. */
export const caProblemAt = (judgement: CaBundleJudgement, now: Date): CaBundleProblem | undefined => {
  if ('problem' in judgement) return judgement.problem;
  const time = now.getTime();
  const valid = judgement.windows.some((window) => window.notAfter.getTime() >= time && window.notBefore.getTime() <= time + CLOCK_SKEW_MS);
  if (valid) return undefined;
  const latest = Math.max(...judgement.windows.map((window) => window.notAfter.getTime()));
  if (latest < time) return { code: 'expired', notAfter: new Date(latest) };
  return { code: 'not-yet-valid', notBefore: new Date(Math.min(...judgement.windows.map((window) => window.notBefore.getTime()))) };
};
