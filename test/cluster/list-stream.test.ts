// The streaming list parser must hand out exactly what JSON.parse of the whole answer would,
// however the network cuts the text into chunks.
import fc from 'fast-check';
import t from 'tap';
import { ListStreamParser } from '../../src/cluster/live/list-stream.ts';

const parseInChunks = (text: string, cuts: number[]) => {
  const items: unknown[] = [];
  const parser = new ListStreamParser((item) => items.push(item));
  let at = 0;
  for (const cut of [...cuts.filter((position) => position < text.length)].sort((a, b) => a - b)) {
    parser.write(text.slice(at, cut));
    at = cut;
  }
  parser.write(text.slice(at));
  return { items, envelope: parser.end() };
};

t.test('hands out each item and the list without them, whatever the chunks', async (t) => {
  const tricky = {
    kind: 'PartialObjectMetadataList',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: '42', continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDJ9"]}[{' },
    items: [
      { metadata: { name: 'quote"brace}bracket]', annotations: { 'a\\': '\\"[{', unicode: 'é\u2028😀' } } },
      { metadata: { name: 'nested', ownerReferences: [{ name: 'x', kind: 'Challenge' }] }, spec: { items: [[], [{}], { items: [] }] } },
      {},
    ],
  };
  const text = JSON.stringify(tricky, null, 1);
  for (const size of [1, 2, 3, 5, 64, text.length]) {
    const cuts = Array.from({ length: Math.ceil(text.length / size) }, (_, index) => index * size);
    const { items, envelope } = parseInChunks(text, cuts);
    t.strictSame(items, tricky.items, `items, chunks of ${size}`);
    t.strictSame(envelope, { ...tricky, items: [] }, `envelope, chunks of ${size}`);
  }
});

t.test('matches JSON.parse on any list, cut anywhere (property)', async (t) => {
  const item = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 });
  const list = fc.record({ kind: fc.string(), metadata: fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), items: fc.array(item, { maxLength: 5 }) });
  fc.assert(
    fc.property(list, fc.array(fc.nat(2000), { maxLength: 12 }), fc.boolean(), (value, cuts, pretty) => {
      const text = pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
      const { items, envelope } = parseInChunks(text, cuts);
      const expected = JSON.parse(text) as typeof value;
      return JSON.stringify(items) === JSON.stringify(expected.items) && JSON.stringify(envelope) === JSON.stringify({ ...expected, items: [] });
    }),
    { numRuns: 500 },
  );
  t.pass('500 random lists');
});

t.test('answers that are not lists pass through whole', async (t) => {
  const cases = [
    { name: 'a Status', text: '{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version: 1 (5) [items]"}' },
    {
      name: 'an empty PartialObjectMetadataList ("items": null)',
      text: '{"kind":"PartialObjectMetadataList","metadata":{"resourceVersion":"7"},"items":null}',
    },
    { name: 'a nested "items" key that is not the list\'s', text: '{"kind":"X","spec":{"items":[{"a":1}]}}' },
  ];
  for (const entry of cases) {
    const { items, envelope } = parseInChunks(entry.text, [3, 17]);
    t.strictSame(items, [], `${entry.name}: no items`);
    t.strictSame(envelope, JSON.parse(entry.text), `${entry.name}: the body as it is`);
  }
});

t.test('says so when the answer ends early or is not JSON', async (t) => {
  const cut = new ListStreamParser(() => undefined);
  cut.write('{"items":[{"metadata":{"name":"a"}},{"meta');
  t.throws(() => cut.end(), { message: 'list: the answer ended in the middle of an object' });
  const broken = new ListStreamParser(() => undefined);
  t.throws(() => broken.write('{"items":[{"metadata":nope}]}'), SyntaxError);
});
