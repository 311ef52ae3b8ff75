// Is a resource served, and in which version? CRD-backed resources (Gateway API, cert-manager)
// may be missing, or appear later: asked again and again, never only once at start (incident 002).
import type { ResourceInfo } from '../resources.ts';
import { groupVersionPath } from './api-paths.ts';
import { apiErrorOf, type KubeClient } from './kube-client.ts';

export type Discovery = { served: true; version: string } | { served: false };

// Discovery documents are small; an API server slower than this is treated as unreachable.
const DISCOVERY_TIMEOUT_MS = 10_000;

type ResourceList = { resources?: Array<{ name?: string; verbs?: string[] }> };

/** Whether one group-version lists `plural` with list and watch. Throws when the API cannot say. */
const servesIn = async (client: KubeClient, info: ResourceInfo, version: string, signal: AbortSignal): Promise<boolean> => {
  const response = await client.request(groupVersionPath(info.group, version), { timeoutMs: DISCOVERY_TIMEOUT_MS, signal });
  if (response.status === 404) return false;
  if (response.status !== 200) throw apiErrorOf(response.status, response.body);
  const listed = (response.body as ResourceList).resources?.find((resource) => resource.name === info.plural);
  return Boolean(listed && (listed.verbs ?? ['list', 'watch']).includes('watch'));
};

/**
 * The first of the resource's versions the API server serves. Built-in resources are always
 * served in their one version. v1 and v1beta1 of a Gateway API kind are the same stored objects
 * (one CRD, several served versions), so one served version is enough to see all of them.
 */
export const discover = async (client: KubeClient, info: ResourceInfo, signal: AbortSignal): Promise<Discovery> => {
  const first = info.versions[0];
  if (info.builtin && first) return { served: true, version: first };
  for (const version of info.versions) if (await servesIn(client, info, version, signal)) return { served: true, version };
  return { served: false };
};
