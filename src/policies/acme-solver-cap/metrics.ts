// acme-solver-cap's gauges, computed from the view at scrape time: a scrape shows the cluster now,
// not the state at the last admission (a flood piles up between admissions too).
import { Gauge, type Registry } from 'prom-client';
import type { ClusterView } from '../../cluster/view.ts';
import { countSolvers, SOLVER_RESOURCES } from './solvers.ts';

const sum = (counts: Map<string, number>): number => [...counts.values()].reduce((total, count) => total + count, 0);

export const registerSolverMetrics = (registry: Registry, view: Pick<ClusterView, 'isServed' | 'count'>): void => {
  // Counted by the view, not listed: a scrape during a flood must not build 100,000 objects.
  const served = () => SOLVER_RESOURCES.filter((info) => view.isServed(info.id)).map((info) => ({ info, counts: countSolvers(view, info) }));
  new Gauge({
    name: 'certguard_acme_solver_objects',
    help: 'ACME HTTP-01 solver objects (labelled acme.cert-manager.io/http01-solver=true) per namespace and kind; namespaces with none have no series.',
    labelNames: ['namespace', 'kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { info, counts } of served()) {
        for (const [namespace, count] of counts.all) this.set({ namespace, kind: info.kind }, count);
      }
    },
  });
  new Gauge({
    name: 'certguard_acme_solver_objects_without_challenge',
    help: 'Solver-labelled objects with no ownerReference to an acme.cert-manager.io Challenge, per namespace and kind (included in certguard_acme_solver_objects).',
    labelNames: ['namespace', 'kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { info, counts } of served()) {
        for (const [namespace, count] of counts.all) {
          const unowned = count - (counts.owned.get(namespace) ?? 0);
          if (unowned > 0) this.set({ namespace, kind: info.kind }, unowned);
        }
      }
    },
  });
  new Gauge({
    name: 'certguard_acme_solver_objects_cluster',
    help: 'ACME HTTP-01 solver objects in the whole cluster per kind (the sum of certguard_acme_solver_objects, present even when 0).',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { info, counts } of served()) this.set({ kind: info.kind }, sum(counts.all));
    },
  });
};
