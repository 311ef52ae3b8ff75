// How the audit reads Secret content (view.judgeSecret): gateway-listener-tls and the expiry
// check both judge each listener's Secret, and an audit goes over every listener Secret in the
// same order each cycle.
import type { ClusterView, ContentJudge, JudgeOptions } from '../cluster/view.ts';
import { verdictKey } from '../cluster/live/verdict-cache.ts';

/**
 * `view` for judging one namespace's objects: each Secret's verdict is asked for once (the first
 * asker's GET serves both checks; a failed read is asked for again), and a verdict the view has
 * to fetch evicts none it keeps (`evict: false`). At the bench scale 20,000 listener Secrets
 * exceed the view's 16,384 verdicts: read in the same order every cycle, each audit evicted the
 * verdicts the next one needed and the ones reviews had kept, and fetched all 20,000 again.
 */
export const auditReads = (view: ClusterView): ClusterView => {
  const asked = new Map<string, Promise<unknown>>();
  const judgeSecret = <T>(namespace: string, name: string, judge: ContentJudge<T>, options?: JudgeOptions): Promise<T | undefined> => {
    const key = verdictKey(judge.id, namespace, name);
    let verdict = asked.get(key) as Promise<T | undefined> | undefined;
    if (!verdict) {
      verdict = view.judgeSecret(namespace, name, judge, { ...options, evict: false });
      asked.set(key, verdict);
      verdict.catch(() => asked.delete(key));
    }
    return verdict;
  };
  return {
    get: (resource, namespace, name, options) => view.get(resource, namespace, name, options),
    list: (resource, options) => view.list(resource, options),
    count: (resource, options) => view.count(resource, options),
    isServed: (resource) => view.isServed(resource),
    isSynced: (resource) => view.isSynced(resource),
    listenersUsing: (namespace, name) => view.listenersUsing(namespace, name),
    judgeSecret,
  };
};
