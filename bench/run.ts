// `npm run bench`: every benchmark, one after the other (never part of npm test).
// `npm run bench -- admission` runs one.
import { runAdmissionBench } from './admission.ts';
import { runAuditBench } from './audit.ts';
import { runCliStartBench } from './cli-start.ts';
import { runClusterViewBench, runServeAuditBench } from './cluster-view.ts';
import { runKubectlApplyBench } from './kubectl-apply.ts';
import { runPlaceholderBench } from './placeholder.ts';
import { runSecretUsageBench } from './secret-usage.ts';

const BENCHES: Record<string, () => Promise<string>> = {
  admission: runAdmissionBench,
  audit: runAuditBench,
  'cluster-view': runClusterViewBench,
  'audit-serve': runServeAuditBench,
  placeholder: runPlaceholderBench,
  'secret-usage': runSecretUsageBench,
  'kubectl-apply': runKubectlApplyBench,
  'cli-start': () => runCliStartBench(),
};

const wanted = process.argv.slice(2);
for (const [name, bench] of Object.entries(BENCHES)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  process.stdout.write(`## ${name}\n\n${await bench()}\n\n`);
}
