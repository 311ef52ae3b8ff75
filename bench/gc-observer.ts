// Loaded into a bench server with `--import`: counts its garbage collections by kind and their
// main-thread time, printed to stderr at exit. Counts do not move with the machine's load.
//
//   node bench/target-settings.ts certguard-live "--import=./bench/gc-observer.ts" 15000
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';

const KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenges',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'full',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
const counts: Record<string, { n: number; ms: number }> = {};

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
    const kind = KINDS[detail?.kind ?? -1] ?? 'other';
    const count = (counts[kind] ??= { n: 0, ms: 0 });
    count.n += 1;
    count.ms += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

process.on('exit', () => process.stderr.write(`GC ${JSON.stringify(counts)}\n`));
