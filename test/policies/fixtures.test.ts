// Every policy's good/bad fixtures judged the way `certguard check -f <fixture>` does, against the
// exact verdicts in its fixtures/expected.yaml (test/helpers/policy-fixtures.ts). DNS answers come
// from dnsmasq serving each policy's fixtures/dns.yaml.
import t from 'tap';
import { checkBundle } from '../../src/cli/check.ts';
import { readManifests } from '../../src/cluster/manifest-view.ts';
import { parseConfig } from '../../src/config/load.ts';
import { startDnsmasq } from '../dns/dnsmasq.ts';
import { fixtureConfig, fixtureDnsRecords, fixturesOf, notableVerdicts, policiesWithFixtures, shapeProblem } from '../helpers/policy-fixtures.ts';

const dns = await startDnsmasq(fixtureDnsRecords());
t.teardown(() => dns.stop());
const config = parseConfig(fixtureConfig(dns.address));

t.test('every policy has fixtures', async (t) => {
  t.same(policiesWithFixtures(), ['acme-solver-cap', 'certificate-dns', 'certificate-issuable', 'gateway-listener-tls']);
});

for (const policy of policiesWithFixtures()) {
  t.test(policy, async (t) => {
    const fixtures = fixturesOf(policy);
    t.ok(fixtures.some((fixture) => fixture.kind === 'good') && fixtures.some((fixture) => fixture.kind === 'bad'), 'good and bad fixtures');
    for (const fixture of fixtures) {
      await t.test(fixture.name, async (t) => {
        t.equal(shapeProblem(fixture), undefined, 'expected.yaml states a verdict of the right kind');
        const verdicts = await checkBundle(await readManifests([fixture.path]), [], config);
        t.same(notableVerdicts(verdicts), fixture.expected, 'exact verdicts and messages');
      });
    }
  });
}
