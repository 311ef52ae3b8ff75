// Which Gateway / ListenerSet listeners serve a Certificate's Secret for a hostname none of its
// dnsNames covers (incident 003: "*.example.com" covers neither "example.com" nor
// "a.b.example.com"). Warnings only: the controller still loads the certificate and some clients
// accept it. Matching as RFC 6125 §6.4.3: case-insensitive, a wildcard only as the whole left-most
// label, standing for exactly one label (src/certs/hostname.ts, shared with gateway-listener-tls).
import type { ClusterView } from '../../cluster/view.ts';
import { isCovered } from '../../certs/hostname.ts';
import * as messages from './messages.ts';

export type CoverageInput = { subject: string; namespace: string; secretName: string; dnsNames: string[] };

/**
 * The listeners come from the view's Secret → listeners index (the one a Secret DELETE reads), not
 * a scan of every Gateway: a scan per Certificate made an audit of 10,000 Certificates and 2,000
 * Gateways take 55 s instead of seconds (bench/README.md, "Audit (time)").
 */
export const uncoveredListenerWarnings = (certificate: CoverageInput, view: ClusterView): string[] =>
  view.listenersUsing(certificate.namespace, certificate.secretName).flatMap(({ owner, listener: { index, name, hostname } }) => {
    // A listener without hostname answers for any name: nothing to compare with.
    if (!hostname || isCovered(certificate.dnsNames, hostname)) return [];
    const where = `${owner.kind} ${owner.namespace}/${owner.name} spec.listeners[${index}] "${name}"`;
    return [messages.listenerNotCovered(certificate.subject, `${certificate.namespace}/${certificate.secretName}`, where, hostname, certificate.dnsNames)];
  });
