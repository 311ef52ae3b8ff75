// The resolver addresses CAA queries go to, in every form node's getServers() prints them.
import t from 'tap';
import { parseServer } from '../../src/dns/wire.ts';

t.test('parses the server forms node prints', async (t) => {
  t.strictSame(parseServer('10.96.0.10'), { host: '10.96.0.10', port: 53 });
  t.strictSame(parseServer('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353 });
  t.strictSame(parseServer('2001:db8::53'), { host: '2001:db8::53', port: 53 });
  t.strictSame(parseServer('[2001:db8::53]:5353'), { host: '2001:db8::53', port: 5353 });
});
