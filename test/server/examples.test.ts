// The README's curl example: the example cluster view and reviews give the documented answers.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { loadManifestView } from '../../src/cluster/manifest-view.ts';
import { buildPolicies } from '../../src/compose.ts';
import { loadConfig } from '../../src/config/load.ts';
import { buildApp } from '../../src/server/app.ts';
import { createLogger } from '../../src/server/logger.ts';

const root = join(import.meta.dirname, '../..');

const answer = async (review: string) => {
  const logger = createLogger('silent');
  const view = await loadManifestView([join(root, 'examples/cluster')]);
  const app = buildApp({ policies: buildPolicies(await loadConfig(join(root, 'examples/config.yaml')), { logger }), view, writer: view, logger });
  t.teardown(() => app.close());
  const response = await app.inject({
    method: 'POST',
    url: '/validate',
    headers: { 'content-type': 'application/json' },
    payload: await readFile(join(root, 'examples/reviews', review), 'utf8'),
  });
  return response.json();
};

t.test('examples/reviews/gateway-missing-secret.json is denied with the seed-000 message', async (t) => {
  t.same((await answer('gateway-missing-secret.json')).response, {
    uid: '7f1c2d3e-0000-4000-8000-000000000000',
    allowed: false,
    status: {
      code: 403,
      reason: 'Forbidden',
      message:
        'spec.listeners[2] "websecure-app-prod" (Gateway traefik/traefik-gateway, hostname "app.example.com"): certificateRefs[0] Secret "app-prod/app-prod-tls-secret" does not exist: Certificate app-prod/app-prod would issue it, but its HTTP-01 challenge for "app.example.com" is answered through this Gateway, which Traefik ≤ 3.0 does not serve while a listener is unresolved and current controllers report as not accepted or not programmed until the Secret exists. Fix: enable placeholder mode (policies.gateway-listener-tls.mode: placeholder) so certguard creates a temporary self-signed one, or add this listener once Certificate app-prod/app-prod is Ready',
    },
  });
});

t.test('examples/reviews/gateway-ok.json is allowed', async (t) => {
  t.same((await answer('gateway-ok.json')).response, { uid: '7f1c2d3e-0000-4000-8000-000000000001', allowed: true });
});
