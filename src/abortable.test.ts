import t from 'tap';
import { untilAborted } from './abortable.ts';

const later = <T>() => {
  let resolve: (value: T) => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

t.test('settles as the work does while the signal holds', async (t) => {
  const work = later<string>();
  const controller = new AbortController();
  const waiting = untilAborted(work.promise, controller.signal, () => 'cut');
  work.resolve('done');
  t.equal(await waiting, 'done');
  const failing = later<string>();
  const rejected = untilAborted(failing.promise, controller.signal, () => 'cut');
  failing.reject(new Error('boom'));
  await t.rejects(rejected, /boom/);
});

t.test('stops waiting when the signal aborts: onAbort answers, or its throw rejects', async (t) => {
  const work = later<string>();
  const controller = new AbortController();
  const waiting = untilAborted(work.promise, controller.signal, () => 'cut');
  const throwing = untilAborted(work.promise, controller.signal, (): string => {
    throw new Error('deadline');
  });
  controller.abort();
  t.equal(await waiting, 'cut');
  await t.rejects(throwing, /deadline/);
  // The shared work failing afterwards is nobody's unhandled rejection.
  work.reject(new Error('late'));
  await new Promise((resolve) => setImmediate(resolve));
  t.pass('no unhandled rejection');
});

t.test('an aborted signal answers at once; no signal is the work itself', async (t) => {
  const work = later<string>();
  t.equal(await untilAborted(work.promise, AbortSignal.abort(), () => 'cut'), 'cut');
  t.equal(
    untilAborted(work.promise, undefined, () => 'cut'),
    work.promise,
  );
});
