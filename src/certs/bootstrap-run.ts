// One bootstrap run: ensure the CA Secret, publish the CA bundle into the webhook configurations,
// then ensure the serving Secret — in that order, so trust always moves before the certificate.
// The cluster is reached through BootstrapCluster (bootstrap-kube.ts in production, a fake in tests).
import { issueSelfSigned, issueSigned, validityWindow, type Issued } from './x509.ts';
import {
  checkSettings,
  decideCa,
  decideServing,
  encodeCaBundle,
  isTrustedByAll,
  mergeBundle,
  parseCertificate,
  servingValidity,
  splitPem,
  type BootstrapSettings,
  type CaDecision,
  type Material,
  type ServingDecision,
} from './bootstrap.ts';

export type StoredSecret = { resourceVersion?: string; data: Record<string, string> };
export type WebhookKind = 'validating' | 'mutating';
export type WebhookEntry = { name: string; caBundle?: string };
export type CaBundlePatch = { index: number; name: string; caBundle: string };

export interface BootstrapCluster {
  getSecret(name: string): Promise<StoredSecret | undefined>;
  /** Creates, or replaces at `resourceVersion` (a conflict is an error: the run is repeated). */
  writeSecret(name: string, secret: StoredSecret, metadata: SecretMetadata): Promise<void>;
  getWebhooks(kind: WebhookKind, name: string): Promise<WebhookEntry[] | undefined>;
  patchCaBundles(kind: WebhookKind, name: string, patches: CaBundlePatch[]): Promise<void>;
}

export type SecretMetadata = { labels: Record<string, string>; annotations: Record<string, string> };

export type BootstrapOptions = {
  caSecret: string;
  tlsSecret: string;
  /** Webhook configurations to publish the caBundle into; absent ones are skipped (pre-install). */
  webhookConfigurations: { kind: WebhookKind; name: string }[];
  /** CA names are `<caCommonName> CA <date>`. */
  caCommonName: string;
  servingCommonName: string;
  labels: Record<string, string>;
  settings: BootstrapSettings;
  dryRun?: boolean;
};

export type BootstrapReport = {
  ca: CaDecision;
  serving: ServingDecision;
  /** "validating/certguard: gateway-listener-tls.certguard.io" for each webhook patched. */
  patched: string[];
  /** Configurations that do not exist (yet). */
  missing: string[];
};

const TLS_CRT = 'tls.crt';
const TLS_KEY = 'tls.key';
const CA_CRT = 'ca.crt';

const materialOf = (secret: StoredSecret | undefined): Material | undefined => {
  const certificatePem = secret?.data[TLS_CRT];
  const privateKeyPem = secret?.data[TLS_KEY];
  return certificatePem && privateKeyPem ? { certificatePem, privateKeyPem } : undefined;
};

const fingerprintsOf = (pems: string[]): string => pems.map((pem) => parseCertificate(pem)?.fingerprint256).join(',');

const stamp = (labels: Record<string, string>, component: string, reason: string, now: Date): SecretMetadata => ({
  labels: { ...labels, 'app.kubernetes.io/component': component },
  annotations: { 'certguard.io/issued-at': now.toISOString(), 'certguard.io/issued-because': reason },
});

const ensureCa = async (cluster: BootstrapCluster, options: BootstrapOptions, now: Date): Promise<{ decision: CaDecision; ca: Material; bundle: string[] }> => {
  const stored = await cluster.getSecret(options.caSecret);
  const current = materialOf(stored);
  const decision = decideCa(current, now, options.settings);
  const previous = splitPem(stored?.data[CA_CRT] ?? '');
  let ca: Issued;
  if (decision.action === 'keep' && current) {
    ca = current;
  } else {
    // The CA's name carries its birth date so the old and new CA are told apart in a bundle.
    ca = await issueSelfSigned({
      commonName: `${options.caCommonName} CA ${now.toISOString()}`,
      organization: 'certguard',
      isCA: true,
      ...validityWindow(options.settings.caValidityDays, now),
    });
  }
  const bundle = mergeBundle(ca.certificatePem, [...previous, ...(current ? [current.certificatePem] : [])], now);
  const changed = decision.action === 'issue' || fingerprintsOf(bundle) !== fingerprintsOf(previous);
  if (changed && !options.dryRun) {
    const reason = decision.action === 'issue' ? decision.reason : 'bundle-updated';
    await cluster.writeSecret(
      options.caSecret,
      { resourceVersion: stored?.resourceVersion, data: { [TLS_CRT]: ca.certificatePem, [TLS_KEY]: ca.privateKeyPem, [CA_CRT]: bundle.join('') } },
      stamp(options.labels, 'webhook-ca', reason, now),
    );
  }
  return { decision, ca, bundle };
};

type Published = { kind: WebhookKind; name: string; webhooks: WebhookEntry[] };

const readWebhooks = async (cluster: BootstrapCluster, options: BootstrapOptions): Promise<{ present: Published[]; missing: string[] }> => {
  const present: Published[] = [];
  const missing: string[] = [];
  for (const { kind, name } of options.webhookConfigurations) {
    const webhooks = await cluster.getWebhooks(kind, name);
    if (webhooks) present.push({ kind, name, webhooks });
    else missing.push(`${kind}/${name}`);
  }
  return { present, missing };
};

const publishBundle = async (cluster: BootstrapCluster, present: Published[], caBundle: string, dryRun: boolean): Promise<string[]> => {
  const patched: string[] = [];
  for (const { kind, name, webhooks } of present) {
    const patches = webhooks.flatMap((webhook, index) => (webhook.caBundle === caBundle ? [] : [{ index, name: webhook.name, caBundle }]));
    if (patches.length === 0) continue;
    if (!dryRun) await cluster.patchCaBundles(kind, name, patches);
    patched.push(...patches.map((patch) => `${kind}/${name}: ${patch.name}`));
  }
  return patched;
};

export const runBootstrap = async (cluster: BootstrapCluster, options: BootstrapOptions, now = new Date()): Promise<BootstrapReport> => {
  const problems = checkSettings(options.settings);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const { decision: caDecision, ca, bundle } = await ensureCa(cluster, options, now);
  const { present, missing } = await readWebhooks(cluster, options);
  const caTrusted = isTrustedByAll(
    ca.certificatePem,
    present.flatMap((config) => config.webhooks.map((webhook) => webhook.caBundle)),
  );
  const storedServing = await cluster.getSecret(options.tlsSecret);
  const serving = decideServing({ serving: materialOf(storedServing), caPem: ca.certificatePem, bundle, caTrusted, now, settings: options.settings });
  const patched = await publishBundle(cluster, present, encodeCaBundle(bundle), options.dryRun === true);
  if (serving.action === 'issue' && !options.dryRun) {
    const { dnsNames, ipAddresses } = options.settings;
    const issued = await issueSigned(
      { commonName: options.servingCommonName, dnsNames, ipAddresses, ...servingValidity(ca.certificatePem, now, options.settings.validityDays) },
      ca,
    );
    await cluster.writeSecret(
      options.tlsSecret,
      {
        resourceVersion: storedServing?.resourceVersion,
        data: { [TLS_CRT]: issued.certificatePem, [TLS_KEY]: issued.privateKeyPem, [CA_CRT]: ca.certificatePem },
      },
      stamp(options.labels, 'webhook-tls', serving.reason, now),
    );
  }
  return { ca: caDecision, serving, patched, missing };
};
