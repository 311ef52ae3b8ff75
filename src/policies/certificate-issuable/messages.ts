// Every sentence certificate-issuable says. Messages are API: tests assert them exactly and
// README.md lists each template.

export const SKIP_ANNOTATION = 'certguard.io/skip-issuable-check';
/** The API server prefixes it with the webhook name in the audit log. */
export const SKIPPED_AUDIT_KEY = 'certificate-issuable-skipped';

const SHARED =
  "only one Certificate can own a Secret: cert-manager leaves the others never Ready (cert-manager#6406), older releases re-issued both without end, each overwriting the other's certificate (cert-manager#4846)";

export const secretNameTaken = (subject: string, secretName: string, others: string[]): string =>
  `${subject}: secretName "${secretName}" is already used by ${others.join(', ')}, and ${SHARED}. Give this one its own secretName, or delete the other.`;

export const secretNameTakenKept = (subject: string, secretName: string, others: string[]): string =>
  `${subject}: secretName "${secretName}" is also used by ${others.join(', ')}, and ${SHARED}. This update keeps that, so it is allowed: give one of them its own secretName.`;

export type IdentifierCounts = { dnsNames: number; ipAddresses: number; uris: number; emailAddresses: number };

const describeCounts = (counts: IdentifierCounts): string =>
  (Object.entries(counts) as [string, number][])
    .filter(([, count]) => count > 0)
    .map(([field, count]) => `${field} ${count}`)
    .join(', ');

export const tooManyIdentifiers = (subject: string, issuer: string, counts: IdentifierCounts, max: number): string => {
  const total = counts.dnsNames + counts.ipAddresses + counts.uris + counts.emailAddresses;
  return (
    `${subject}: ${total} identifiers (${describeCounts(counts)}) are more than the ${max} an ACME CA accepts in one certificate ` +
    `(certguard setting maxIdentifiers, Let's Encrypt allows 100), so the order of ${issuer} would be refused and cert-manager would retry it. Split the names over several Certificates.`
  );
};

export const commonNameTooLong = (subject: string, field: string, value: string): string =>
  `${subject}: ${field} "${value}" is ${value.length} characters long, more than the 64 X.509 allows in a common name (RFC 5280 ub-common-name), ` +
  'and cert-manager refuses such a Certificate. Shorten it, or leave the common name out: clients check the dnsNames.';

export const duplicateName = (subject: string, field: string, value: string, firstField: string): string =>
  `${subject}: ${field} "${value}" repeats ${firstField}: the CSR would carry it twice but the ACME order once, and the CA refuses the mismatch ` +
  '(badCSR "Unexpected number of identifiers found in CSR", cert-manager#9298). Remove the duplicate.';

export const limitKept = (violation: string): string => `${violation.replace(/\.$/, '')} (unchanged by this update, so it is allowed).`;

export const skipped = (object: string, reason: string): string => `${object}: issuability check skipped (${SKIP_ANNOTATION}: "${reason}").`;

export const skipWithoutReason = (object: string): string =>
  `${object}: annotation ${SKIP_ANNOTATION} is empty, so the issuability check ran: give the reason for skipping it as the value.`;

export const badNamespaceMode = (namespace: string, annotation: string, value: string, mode: string): string =>
  `namespace "${namespace}": annotation ${annotation} "${value}" is not one of enforce, warn, off, so certificate-issuable used its configured mode ${mode}.`;

export const listenerNotCovered = (subject: string, secret: string, listener: string, hostname: string, dnsNames: string[]): string =>
  `${subject}: its Secret "${secret}" is served by ${listener} for hostname "${hostname}", which none of its dnsNames (${dnsNames.join(', ') || 'none'}) covers ` +
  `(a wildcard covers exactly one label, RFC 6125), so clients of ${hostname} would reject the certificate. Add ${hostname} to spec.dnsNames, or serve another Secret on that listener.`;
