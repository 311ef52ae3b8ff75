// An audit allocates far more than reviews do (a Secret read, a parsed object and a dry-run review
// per judged object), and TurboFan compiling the audit's code adds its own memory: serve's peak
// comes from the audit. V8's memory-saving mode (--optimize-for-size: the old generation grows in
// small steps and is compacted as it goes) and Maglev as the top tier (--no-turbofan) keep that
// down but cost every review CPU, so serve switches them on only while an audit runs. Node leaves
// v8.setFlagsFromString after start unspecified in general; V8 reads these two at each collection
// and each tier-up (the test checks the tiers on this Node; bench/README.md, "Memory and speed
// without trading one for the other", measures the memory).
import { setFlagsFromString } from 'node:v8';

/** Runs `work` with V8 in its memory-saving mode, restoring V8's defaults once nothing needs it. */
export type MemorySaver = <T>(work: () => Promise<T>) => Promise<T>;

// Any of these on node's command line: the operator chose V8's tiers and heap mode for the process.
const OPERATOR_FLAG = /^--(no-)?(optimize[-_]for[-_]size|turbofan|max[-_]opt)(=|$)/;

export const v8MemorySaver = (setFlags: (flags: string) => void = setFlagsFromString, execArgv: readonly string[] = process.execArgv): MemorySaver => {
  if (execArgv.some((arg) => OPERATOR_FLAG.test(arg))) return (work) => work();
  let running = 0;
  return async (work) => {
    if (running++ === 0) setFlags('--optimize-for-size --no-turbofan');
    try {
      return await work();
    } finally {
      if (--running === 0) setFlags('--no-optimize-for-size --turbofan');
    }
  };
};
