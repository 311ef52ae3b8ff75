// Loaded into a bench server with `--import`: the first SIGUSR2 starts V8's sampling heap
// profiler, the second writes the profile to HEAP_SAMPLE_OUT (a .heapprofile Chrome DevTools
// opens). HEAP_SAMPLE_SURVIVORS=1 keeps only objects that outlived a scavenge (those that got
// promoted, or were allocated old): what a full collection has to free.
//
//   node bench/target-settings.ts certguard-live "--import=./bench/heap-sample.ts" 200000 &
//   kill -USR2 <server pid>; sleep 10; kill -USR2 <server pid>
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
const survivorsOnly = process.env.HEAP_SAMPLE_SURVIVORS === '1';
let sampling = false;

process.on('SIGUSR2', () => {
  if (!sampling) {
    sampling = true;
    session.post('HeapProfiler.startSampling', {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: !survivorsOnly,
    });
    return;
  }
  sampling = false;
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (error) throw error;
    writeFileSync(process.env.HEAP_SAMPLE_OUT ?? 'heap.heapprofile', JSON.stringify(result.profile));
  });
});
