// Which Gateway / ListenerSet listeners serve a Certificate's Secret for a hostname none of its
// dnsNames covers (issue 14 item 3, seed 003: "*.example.com" covers neither "example.com" nor
// "a.b.example.com"). Warnings only: the controller still loads the certificate and some clients
// accept it. Matching as RFC 6125 §6.4.3: case-insensitive, a wildcard only as the whole left-most
// label, standing for exactly one label (src/certs/hostname.ts, shared with gateway-listener-tls).
import type { ClusterView } from '../../cluster/view.ts';
import type { KubeObject } from '../../kube/object.ts';
import { isCovered } from '../../certs/hostname.ts';
import * as messages from './messages.ts';

type CertificateRef = { name?: unknown; namespace?: unknown; group?: unknown; kind?: unknown };
type Listener = { name?: unknown; hostname?: unknown; tls?: { certificateRefs?: unknown } };

const isSecretRef = (ref: CertificateRef): boolean =>
  ['core', '', undefined].includes(ref.group as string | undefined) && ['Secret', '', undefined].includes(ref.kind as string | undefined);

const servesSecret = (listener: Listener, ownerNamespace: string, namespace: string, secretName: string): boolean => {
  const refs = (Array.isArray(listener.tls?.certificateRefs) ? listener.tls.certificateRefs : []) as CertificateRef[];
  return refs.some((ref) => isSecretRef(ref) && ref.name === secretName && ((ref.namespace as string | undefined) ?? ownerNamespace) === namespace);
};

const listenersOf = (object: KubeObject): Listener[] => {
  const listeners = (object.spec as { listeners?: unknown } | undefined)?.listeners;
  return (Array.isArray(listeners) ? listeners : []) as Listener[];
};

export type CoverageInput = { subject: string; namespace: string; secretName: string; dnsNames: string[] };

export const uncoveredListenerWarnings = (certificate: CoverageInput, view: ClusterView): string[] => {
  const sources: [string, KubeObject[]][] = [
    ['Gateway', view.isServed('gateways') ? view.list('gateways') : []],
    ['ListenerSet', view.isServed('listenersets') ? view.list('listenersets') : []],
  ];
  const warnings: string[] = [];
  for (const [kind, objects] of sources) {
    for (const object of objects) {
      const ownerNamespace = object.metadata?.namespace ?? 'default';
      listenersOf(object).forEach((listener, index) => {
        const hostname = typeof listener.hostname === 'string' && listener.hostname !== '' ? listener.hostname : undefined;
        // A listener without hostname answers for any name: nothing to compare with.
        if (!hostname || !servesSecret(listener, ownerNamespace, certificate.namespace, certificate.secretName)) return;
        if (isCovered(certificate.dnsNames, hostname)) return;
        const where = `${kind} ${ownerNamespace}/${object.metadata?.name ?? '(unnamed)'} spec.listeners[${index}] "${String(listener.name ?? '')}"`;
        warnings.push(messages.listenerNotCovered(certificate.subject, `${certificate.namespace}/${certificate.secretName}`, where, hostname, certificate.dnsNames));
      });
    }
  }
  return warnings;
};
