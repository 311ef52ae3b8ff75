import t from 'tap';
import { groupOf } from './groups.ts';

t.test('groupOf: the group of an apiVersion, "" for the core group', async (t) => {
  t.equal(groupOf('acme.cert-manager.io/v1'), 'acme.cert-manager.io');
  t.equal(groupOf('v1'), '', 'core: no group (an ownerReference to a core kind must not match group "v1")');
  t.equal(groupOf(undefined), '');
  t.equal(groupOf(''), '');
});
