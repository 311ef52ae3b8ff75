// Hostname coverage: a listener whose hostname the certificate it serves does
// not cover (src/certs/hostname.ts: RFC 6125, one wildcard label). A warning, never a denial: the
// listener is still programmed with that certificate, only clients that check the name refuse it.
// certificate-issuable says the same from the Certificate's side (its coverage.ts).
import { isCovered } from '../../certs/hostname.ts';
import { refKey, tlsListenersOf, type Listener, type ListenerOwner } from '../../kube/gateway.ts';
import type { PolicyRequest } from '../types.ts';
import type { Issuance } from './issuance.ts';
import type { Verdict } from './judge.ts';
import * as messages from './messages.ts';
import type { CoverageSource, Site } from './messages.ts';

/** The certificate that will serve the listener, when certguard can know its names. */
const sourceOf = (verdict: Verdict, issuance: Issuance): CoverageSource | undefined => {
  // A shim Certificate takes its dnsNames from the hostnames of the listeners naming the Secret
  // (certificate-dns/shim.ts, after cert-manager's gateway-shim): it covers them by construction.
  const filler = issuance.code === 'managed' && issuance.filler.source === 'certificate' ? issuance.filler : undefined;
  if (verdict.code === 'missing') return filler ? { code: 'certificate', filler } : undefined;
  // Secret content not judged (secretContent: off, an allowed non-Secret kind): nothing to compare with.
  if (verdict.code !== 'ok' || !verdict.served) return undefined;
  // A placeholder carries the hostnames of the listeners it was made for and gives way to the
  // real certificate: the Certificate that replaces it is the one to judge.
  if (verdict.served.placeholder && issuance.code === 'managed') return filler ? { code: 'certificate', filler } : undefined;
  return { code: 'secret', names: verdict.served.names };
};

const namesOf = (source: CoverageSource): string[] => (source.code === 'secret' ? source.names.dnsNames : source.filler.dnsNames);

/** The warning for one certificateRef, if its listener has a hostname the certificate does not cover. */
export const coverageWarning = (site: Site, verdict: Verdict, issuance: Issuance): string | undefined => {
  // A listener without hostname answers for any name: nothing to compare with.
  const { hostname } = site.listener;
  if (!hostname) return undefined;
  // The usual case, a judged Secret that is not a placeholder (sourceOf's "secret"): a source is
  // built only for a warning, not per listener.
  if (verdict.code === 'ok' && verdict.served?.placeholder === false) {
    const { names } = verdict.served;
    return isCovered(names.dnsNames, hostname) ? undefined : messages.hostnameNotCovered(site, hostname, { code: 'secret', names });
  }
  const source = sourceOf(verdict, issuance);
  if (!source || isCovered(namesOf(source), hostname)) return undefined;
  return messages.hostnameNotCovered(site, hostname, source);
};

/** What coverage depends on in a listener: its hostname and its refs. */
const coverageKey = (listener: Listener): string => JSON.stringify([listener.hostname ?? '', (listener.tls?.certificateRefs ?? []).map(refKey)]);

const coverageKeys = (object: unknown, owner: ListenerOwner): Map<string, string> =>
  new Map(tlsListenersOf(object, owner.namespace).map((listener) => [listener.name, coverageKey(listener)]));

/**
 * Names of the listeners this request sets up: all of them on CREATE, on UPDATE those whose
 * hostname or certificateRefs changed. An unrelated update (a label, another listener) repeats no
 * coverage warning: the audit judges every listener again.
 */
export const changedListeners = (request: PolicyRequest, owner: ListenerOwner): ((listener: Listener) => boolean) => {
  if (request.operation !== 'UPDATE' || !request.oldObject) return () => true;
  const before = coverageKeys(request.oldObject, owner);
  return (listener) => before.get(listener.name) !== coverageKey(listener);
};
