// One lookup of a Certificate's issuerRef, as cert-manager's GetGenericIssuer does
// (pkg/issuer/helper.go): the three policies that read an issuer ask it here.
import type { ClusterView } from '../cluster/view.ts';
import { recordOf, specOf } from '../kube/accessors.ts';
import { CERT_MANAGER_GROUP } from '../kube/groups.ts';
import type { KubeObject } from '../kube/object.ts';
import type { IssuerRef } from './certificate-dns/shim.ts';

/**
 * external: another group or kind (an external issuer): nothing certguard can judge.
 * unknown: no name, or cert-manager's CRDs are not served (nothing will be issued either).
 * acme: the issuer's spec.acme (undefined when it is not an ACME issuer).
 */
export type IssuerLookup =
  { found: 'external' } | { found: 'unknown' } | { found: 'missing' } | { found: 'issuer'; issuer: KubeObject; acme: Record<string, unknown> | undefined };

export const getIssuer = async (view: ClusterView, ref: IssuerRef, namespace: string): Promise<IssuerLookup> => {
  const { name, kind, group } = ref;
  if (group !== CERT_MANAGER_GROUP || (kind !== 'Issuer' && kind !== 'ClusterIssuer')) return { found: 'external' };
  const resource = kind === 'ClusterIssuer' ? 'clusterissuers' : 'issuers';
  if (!view.isServed(resource) || name === '') return { found: 'unknown' };
  const issuer = await view.get(resource, kind === 'Issuer' ? namespace : undefined, name);
  if (!issuer) return { found: 'missing' };
  const acme = specOf(issuer).acme;
  return { found: 'issuer', issuer, acme: acme === undefined || acme === null ? undefined : recordOf(acme) };
};
