// isCovered prepares a frozen list of names once (a kept verdict's, matched on every review) and
// any other list on each call: both must answer alike, on the first call and on later ones.
// Go's crypto/x509 decides the cases themselves (test/e2e/hostname-oracle.test.ts).
import fc from 'fast-check';
import t from 'tap';
import { isCovered } from '../../src/certs/hostname.ts';

const label = fc.stringMatching(/^(?:\*|[a-zA-Z0-9_][a-zA-Z0-9_-]{0,3}|\.|)$/);
const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));

t.test('a frozen list answers as a fresh one, on every call', async (t) => {
  fc.assert(
    fc.property(fc.array(name, { maxLength: 4 }), fc.array(name, { minLength: 1, maxLength: 6 }), (names, hostnames) => {
      const frozen = Object.freeze([...names]);
      for (const round of [1, 2]) {
        for (const hostname of hostnames) {
          if (isCovered(frozen, hostname) !== isCovered([...names], hostname)) throw new Error(`round ${round}: ${JSON.stringify({ names, hostname })}`);
        }
      }
    }),
    { numRuns: 2_000 },
  );
  t.equal(isCovered(Object.freeze(['*.Example.com']), 'app.example.COM'), true, 'case-insensitive from a prepared list');
  t.equal(isCovered(Object.freeze(['*.example.com']), 'a.b.example.com'), false, 'one label only');
});
