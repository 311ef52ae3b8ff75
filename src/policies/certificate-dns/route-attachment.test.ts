// certguard's solver-route prediction against what cert-manager v1.21.1 and Traefik v3.6.12 did with
// every shape of the recorded table (fixtures/route-attachment.yaml; re-checked on the real
// controllers by test/e2e/traefik-route-attachment.test.ts). The only disagreements allowed are the
// documented Traefik divergences, and each of them must still be one.
import t from 'tap';
import { disagreements, loadRouteTable, predict, TRAEFIK_DIVERGENCES } from '../../../test/helpers/route-attachment.ts';

t.test('agrees with Traefik on every recorded shape but the documented divergences', async (t) => {
  const table = loadRouteTable();
  t.ok(table.cases.length >= 30, `${table.cases.length} shapes`);
  t.match(table.recordedWith ?? '', /^cert-manager v\S+, traefik v\S+, gateway-api v1\.6\.1 standard CRDs$/, 'recorded with the real controllers');
  const wrong = new Map<string, string[]>();
  for (const shape of table.cases) {
    const found = disagreements(shape, await predict(shape));
    if (found.length > 0) wrong.set(shape.id, found);
  }
  const undocumented = [...wrong].filter(([id]) => !(id in TRAEFIK_DIVERGENCES)).flatMap(([, lines]) => lines);
  t.same(undocumented, [], `0 undocumented disagreements over ${table.cases.length} shapes`);
  t.same([...wrong.keys()].sort(), Object.keys(TRAEFIK_DIVERGENCES).sort(), 'every documented divergence still diverges');
  for (const [id, reason] of Object.entries(TRAEFIK_DIVERGENCES)) t.comment(`${id}: ${reason}`);
});
