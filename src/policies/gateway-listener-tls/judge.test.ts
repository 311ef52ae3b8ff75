// judgeRef on a verdict the view keeps: the "ok" it builds once per kept content verdict must not
// outlive the certificate's validity (the window is judged again on every review).
import t from 'tap';
import type { ClusterView } from '../../cluster/view.ts';
import type { CertRef, ListenerOwner } from '../../kube/gateway.ts';
import { judgeRef, type JudgeContext } from './judge.ts';
import type { ContentJudgement } from './secret-content.ts';
import { defaultGatewayListenerTlsSettings } from './settings.ts';

const owner: ListenerOwner = { kind: 'Gateway', namespace: 'shop', name: 'gw' };
const ref: CertRef = { group: '', kind: 'Secret', namespace: 'shop', name: 'shop-tls', written: {} };
const notAfter = new Date('2027-01-01T00:00:00Z');
const kept: ContentJudgement = { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter, placeholder: false, names: { dnsNames: ['shop.example.com'] } };
const view = { knownSecretVerdict: () => ({ verdict: kept }) } as unknown as ClusterView;

const judgeAt = (now: string) => {
  const context: JudgeContext = { view, owner, settings: defaultGatewayListenerTlsSettings(), now: new Date(now), secrets: new Map() };
  return judgeRef(context, ref);
};

t.test('the same kept verdict is ok while valid, with one shared answer, and unusable once expired', async (t) => {
  const first = judgeAt('2026-06-01T00:00:00Z');
  t.same(first, { code: 'ok', served: { names: { dnsNames: ['shop.example.com'] }, placeholder: false } });
  t.equal(judgeAt('2026-06-02T00:00:00Z'), first, 'built once for this kept verdict');
  t.ok(Object.isFrozen(first), 'shared, so nobody may change it');
  t.same(judgeAt('2027-02-01T00:00:00Z'), { code: 'unusable', problem: { code: 'expired', notAfter } });
});
