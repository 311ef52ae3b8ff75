// The certificate-dns settings as the config loader validates them.
import t from 'tap';
import { defaultConfig, parseConfig } from '../../config/load.ts';
import { defaultCertificateDnsSettings, resolverOptionsFrom } from './settings.ts';

t.test('the schema defaults are the documented defaults', async (t) => {
  t.same(defaultConfig().policies['certificate-dns'], defaultCertificateDnsSettings());
});

t.test('accepts resolver and ingress forms users write', async (t) => {
  const settings = parseConfig({
    policies: {
      'certificate-dns': {
        resolvers: ['1.1.1.1', '127.0.0.1:5353', '2606:4700::1111', '[2606:4700::1111]:53'],
        ingress: {
          addresses: ['203.0.113.10', '2001:db8::10'],
          hostnames: ['lb.example.net.'],
          services: [{ namespace: 'ingress-nginx', name: 'controller' }],
        },
      },
    },
  }).policies['certificate-dns'];
  t.equal(settings.resolvers.length, 4);
  t.equal(settings.lookupTimeoutMs, 2000, 'defaults still filled');
});

t.test('rejects what node:dns or the policy could not use, naming the key', async (t) => {
  const rows: [string, unknown, RegExp][] = [
    ['a resolver given by name', { resolvers: ['dns.google'] }, /policies\.certificate-dns\.resolvers\.0: must match pattern/],
    ['a hostname among the addresses', { ingress: { addresses: ['lb.example.net'] } }, /policies\.certificate-dns\.ingress\.addresses\.0: must match pattern/],
    [
      'a Service without namespace',
      { ingress: { services: [{ name: 'controller' }] } },
      /policies\.certificate-dns\.ingress\.services\.0: must have required property 'namespace'/,
    ],
    ['an unknown onLookupError', { onLookupError: 'maybe' }, /policies\.certificate-dns\.onLookupError: must be one of allow, deny/],
    ['a deadline beyond the webhook timeout', { lookupTimeoutMs: 60000 }, /policies\.certificate-dns\.lookupTimeoutMs: must be <= 10000/],
  ];
  for (const [name, value, message] of rows) t.throws(() => parseConfig({ policies: { 'certificate-dns': value } }), message, name);
});

t.test('resolverOptionsFrom hands the resolver its part of the settings', async (t) => {
  const settings = { ...defaultCertificateDnsSettings(), resolvers: ['1.1.1.1'], lookupTimeoutMs: 800, negativeCacheSeconds: 5, maxCacheSeconds: 60 };
  t.same(resolverOptionsFrom(settings), { servers: ['1.1.1.1'], timeoutMs: 800, negativeCacheSeconds: 5, maxCacheSeconds: 60 });
});
