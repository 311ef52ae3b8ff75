// URLs and media types for one resource of the view, derived from RESOURCES.
import type { ResourceInfo } from '../resources.ts';

export const ACCEPT_JSON = 'application/json';
// PartialObjectMetadata: the API server strips everything but metadata before sending, so a
// Secret's data or a route's spec never crosses the wire. The trailing plain JSON is the
// fallback client-go also offers (an API that cannot convert answers with full objects).
export const ACCEPT_METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
export const ACCEPT_METADATA = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

export const apiVersionOf = (info: ResourceInfo, version: string): string => (info.group ? `${info.group}/${version}` : version);

export const groupVersionPath = (group: string, version: string): string => (group ? `/apis/${group}/${version}` : `/api/${version}`);

/** The collection: all namespaces when `namespace` is undefined (or the resource is cluster-scoped). */
export const collectionPath = (info: ResourceInfo, version: string, namespace?: string): string => {
  const prefix = groupVersionPath(info.group, version);
  if (namespace !== undefined && info.namespaced) return `${prefix}/namespaces/${encodeURIComponent(namespace)}/${info.plural}`;
  return `${prefix}/${info.plural}`;
};

export const objectPath = (info: ResourceInfo, version: string, namespace: string | undefined, name: string): string =>
  `${collectionPath(info, version, namespace)}/${encodeURIComponent(name)}`;

export const labelSelectorOf = (labels: Record<string, string> | undefined): string | undefined =>
  labels
    ? Object.entries(labels)
        .map(([key, value]) => `${key}=${value}`)
        .join(',')
    : undefined;

/** `?a=b&c=d` from the defined entries. */
export const queryOf = (parameters: Record<string, string | number | boolean | undefined>): string => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(parameters)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};
