// Where things are, relative to the repository (never absolute: CI clones the repo elsewhere,
// with the shared folder beside it).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** ../shared beside the repo (override with CERTGUARD_SHARED_DIR). */
export const sharedDir = process.env.CERTGUARD_SHARED_DIR ?? resolve(repoRoot, '..', 'shared');

export const CRD_DIRS = ['crds/gateway-api-v1.6.1-standard', 'crds/cert-manager-v1.21.1'].map((dir) => resolve(sharedDir, dir));

export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

/** Node 24 from node_modules (the system node is older). */
export const NODE = resolve(repoRoot, 'node_modules/.bin/node');
