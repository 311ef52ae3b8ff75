// Where things are, relative to the repository (never absolute: CI clones the repo anywhere).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectlPath } from '../../helpers/helm.ts';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** kubectl from the npm package helm comes from, not whatever the machine has (override: KUBECTL). */
export const KUBECTL = process.env.KUBECTL ?? kubectlPath();

/** Node 24 from node_modules (the system node is older). */
export const NODE = resolve(repoRoot, 'node_modules/.bin/node');
