// How the audit reads Secret content (view.judgeSecret): gateway-listener-tls and the expiry
// check both judge each listener's Secret, and an audit goes over every listener Secret in the
// same order each cycle.
import { overriding, type ClusterView, type ContentJudge, type JudgeOptions } from '../cluster/view.ts';
import { verdictKey } from '../cluster/live/verdict-cache.ts';

/**
 * `view` for judging one namespace's objects: each Secret's verdict is asked for once (the first
 * asker's GET serves both checks; a failed read is asked for again), and a verdict the view has
 * to fetch is not kept (`keep: false`); one a review had kept still answers. Kept, the audit's
 * verdicts held serve's memory over its budget at the bench scale (bench/README.md, "Audit inside
 * serve"): 20,000 listener Secrets, more than the view's 16,384 verdicts, so each audit also
 * evicted the verdicts the next one needed and the ones reviews used, and fetched them all again.
 */
export const auditReads = (view: ClusterView): ClusterView => {
  const asked = new Map<string, Promise<unknown>>();
  const judgeSecret = <T>(namespace: string, name: string, judge: ContentJudge<T>, options?: JudgeOptions): Promise<T | undefined> => {
    const key = verdictKey(judge.id, namespace, name);
    let verdict = asked.get(key) as Promise<T | undefined> | undefined;
    if (!verdict) {
      verdict = view.judgeSecret(namespace, name, judge, { ...options, keep: false });
      asked.set(key, verdict);
      verdict.catch(() => asked.delete(key));
    }
    return verdict;
  };
  return overriding(view, { judgeSecret });
};
