// The limits an ACME order runs into, judged on the Certificate cert-manager would request:
// identifiers per certificate, the common name's length, the same name twice.
import { isIP } from 'node:net';
import type { KubeObject } from '../../kube/object.ts';
import { normalizeAddress } from '../../dns/resolver.ts';
import type { JudgedCertificate } from '../certificate-dns/shim.ts';
import { COMMON_NAME_ANNOTATION } from '../certificate-dns/shim.ts';
import * as messages from './messages.ts';

/** One list entry as written, with its field, e.g. spec.dnsNames[3]. */
type Entry = { value: string; field: string };

export type Identifiers = {
  counts: messages.IdentifierCounts;
  commonName?: Entry;
  /** The dnsNames and ipAddresses entries, duplicates kept (what the CSR carries). */
  sans: Entry[];
};

const entriesOf = (value: unknown, field: string): Entry[] =>
  (Array.isArray(value) ? value : []).flatMap((item, index) => (typeof item === 'string' ? [{ value: item, field: `${field}[${index}]` }] : []));

/** A Certificate's own spec; uris and emailAddresses count too (the brief's "as the CA counts them"). */
export const certificateIdentifiers = (object: KubeObject): Identifiers => {
  const spec = (object.spec as Record<string, unknown> | undefined) ?? {};
  const dnsNames = entriesOf(spec.dnsNames, 'spec.dnsNames');
  const ipAddresses = entriesOf(spec.ipAddresses, 'spec.ipAddresses');
  const commonName = typeof spec.commonName === 'string' && spec.commonName !== '' ? { value: spec.commonName, field: 'spec.commonName' } : undefined;
  return {
    counts: {
      dnsNames: dnsNames.length,
      ipAddresses: ipAddresses.length,
      uris: entriesOf(spec.uris, 'spec.uris').length,
      emailAddresses: entriesOf(spec.emailAddresses, 'spec.emailAddresses').length,
    },
    commonName,
    sans: [...dnsNames, ...ipAddresses],
  };
};

/** A shim Certificate: its hosts (already de-duplicated, as cert-manager#8978 does) and the common-name annotation. */
export const shimIdentifiers = (certificate: JudgedCertificate): Identifiers => {
  const hosts = certificate.names.filter((name) => !name.field.startsWith('metadata.annotations'));
  const annotated = certificate.annotations[COMMON_NAME_ANNOTATION];
  return {
    counts: { dnsNames: hosts.filter((name) => !name.isIp).length, ipAddresses: hosts.filter((name) => name.isIp).length, uris: 0, emailAddresses: 0 },
    commonName: annotated ? { value: annotated, field: `metadata.annotations["${COMMON_NAME_ANNOTATION}"]` } : undefined,
    sans: [],
  };
};

// RFC 5280 ub-common-name; cert-manager's webhook enforces the same bound (validation/certificate.go).
const MAX_COMMON_NAME = 64;

export const commonNameViolations = (subject: string, identifiers: Identifiers): string[] => {
  const commonName = identifiers.commonName;
  return commonName && commonName.value.length > MAX_COMMON_NAME ? [messages.commonNameTooLong(subject, commonName.field, commonName.value)] : [];
};

/** ACME only: the order collapses names into a set, IP addresses by their parsed value (cert-manager#9298). */
const duplicateViolations = (subject: string, identifiers: Identifiers): string[] => {
  const first = new Map<string, string>();
  const violations: string[] = [];
  for (const entry of identifiers.sans) {
    const key = isIP(entry.value) !== 0 ? `ip:${normalizeAddress(entry.value)}` : `dns:${entry.value}`;
    const seen = first.get(key);
    if (seen) violations.push(messages.duplicateName(subject, entry.field, entry.value, seen));
    else first.set(key, entry.field);
  }
  return violations;
};

export const acmeViolations = (subject: string, issuer: string, identifiers: Identifiers, maxIdentifiers: number): string[] => {
  const { dnsNames, ipAddresses, uris, emailAddresses } = identifiers.counts;
  const tooMany =
    dnsNames + ipAddresses + uris + emailAddresses > maxIdentifiers ? [messages.tooManyIdentifiers(subject, issuer, identifiers.counts, maxIdentifiers)] : [];
  return [...tooMany, ...duplicateViolations(subject, identifiers)];
};
