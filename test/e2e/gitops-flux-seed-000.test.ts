// Incident 000 through Flux: the commit that grew the Gateway by two HTTPS listeners together with the
// app namespaces, ReferenceGrants and Certificates meant to fill their Secrets.
// kustomize-controller applies Namespaces first, then dry-runs every other object of the commit
// before it applies any: one denial stops the rest of the commit, and certguard judges the Gateway
// without the ReferenceGrants and Certificates of that same commit — unless they are applied in a
// stage of their own (kustomize-controller's --custom-apply-stage-kinds).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { Cluster } from './harness/cluster.ts';
import { NODE, repoRoot } from './harness/paths.ts';
import { makeTempDir, run, waitFor } from './harness/processes.ts';
import { yamlOf } from './harness/objects.ts';
import { KUSTOMIZATION, startFluxStack } from './fixtures/flux-stack.ts';
import { storedGateway } from './fixtures/seed-000-stack.ts';
import {
  clusterState,
  GATEWAY_NAME,
  GATEWAY_NAMESPACE,
  grownGateway,
  missingSecretMessage,
  NEW_LISTENERS,
  where,
  workingGateway,
} from './fixtures/seed-000.ts';

type Obj = Record<string, unknown> & { kind?: unknown; metadata?: { name?: string; namespace?: string } };
type FluxStackOptions = Parameters<typeof startFluxStack>[1];
type LogLine = { level?: string; msg?: string; Kustomization?: { name?: string } };

const APP_NAMESPACES: readonly string[] = NEW_LISTENERS.map((entry) => entry.namespace);
const isApp = (object: Obj) => APP_NAMESPACES.includes(object.metadata?.namespace ?? (object.kind === 'Namespace' ? (object.metadata?.name ?? '') : ''));

/** Certificates and ReferenceGrants applied (for real) before the rest of a commit is dry-run. */
const STAGE_FIRST = '--custom-apply-stage-kinds=cert-manager.io/Certificate,gateway.networking.k8s.io/ReferenceGrant';

/** The first line of the Kustomization's Ready message: Flux's prefix, then certguard's message. */
const fluxDenial = (message: string) =>
  `Gateway/${GATEWAY_NAMESPACE}/${GATEWAY_NAME} dry-run failed (Forbidden): admission webhook "gateway-listener-tls.certguard.io" denied the request: ${message}`;

/** gateway-listener-tls's denial when the ReferenceGrant of the same commit is not stored yet. */
const refNotPermitted = (i: 0 | 1): string => {
  const entry = NEW_LISTENERS[i];
  return (
    `${where(i)} is in another namespace and no ReferenceGrant permits it (RefNotPermitted): ` +
    'the controller leaves this listener without a certificate, and Traefik and Contour then mark this Gateway not accepted or not programmed. ' +
    `Fix: create a ReferenceGrant in namespace "${entry.namespace}" with from {group: gateway.networking.k8s.io, kind: Gateway, namespace: ${GATEWAY_NAMESPACE}} and to {group: "", kind: Secret, name: ${entry.secret}}`
  );
};

const names = async (cluster: Cluster, kind: string, ...selector: string[]): Promise<string> =>
  (await cluster.kubectl(['get', kind, ...selector, '-A', '-o', 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {end}'])).stdout.trim();

/**
 * The traefik namespace, its 21 Secrets and the issuer (the platform's, outside the repository),
 * and the repository's first commit, the Gateway with its 21 working listeners, synced.
 */
const startSeed000Flux = async (t: Parameters<typeof startFluxStack>[0], options: FluxStackOptions) => {
  const fluxStack = await startFluxStack(t, options);
  const state = (await clusterState()) as Obj[];
  const platform = await fluxStack.stack.cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...state.filter((object) => !isApp(object))) });
  if (platform.code !== 0) throw new Error(platform.stderr);
  const base = await fluxStack.push({ 'gateway.yaml': yamlOf(workingGateway()) }, 'traefik gateway, 21 listeners', 'True');
  const incident = { 'apps.yaml': yamlOf(...state.filter(isApp)), 'gateway.yaml': yamlOf(grownGateway()) };
  const pushIncident = (ready: 'True' | 'False') => fluxStack.push(incident, 'app-prod and app-sandbox: listeners and their Certificates', ready);
  return { ...fluxStack, cluster: fluxStack.stack.cluster, base, pushIncident };
};

t.test('gitops with Flux, incident 000: one commit with the listeners and their Certificates', async (t) => {
  const { stack, cluster, flux, base, pushIncident } = await startSeed000Flux(t, { config: {} });
  const before = await storedGateway(cluster);
  let incident = '';

  await t.test('enforce: refused for the ReferenceGrants of the same commit, only its Namespaces applied', async (t) => {
    const refused = await pushIncident('False');
    incident = refused.revision;
    t.comment(`commit to Ready=False: ${refused.elapsedMs} ms`);
    t.equal(refused.status.ready?.reason, 'ReconciliationFailed');
    const [first, ...applied] = (refused.status.ready?.message ?? '').split('\n');
    t.equal(first, fluxDenial(`${refNotPermitted(0)}; ${refNotPermitted(1)}`), "certguard's message, verbatim, after Flux's prefix");
    t.same(applied.filter(Boolean), ['Namespace/app-prod created', 'Namespace/app-sandbox created'], 'then what the Namespace stage applied');
    t.equal(refused.status.lastAppliedRevision, base.revision, 'the last applied revision stays at the commit before');
    const events = await flux.events(KUSTOMIZATION);
    t.ok(
      events.some((event) => event.type === 'Warning' && event.reason === 'ReconciliationFailed' && event.message.startsWith(`${first}\n`)),
      'a Warning Event carries the same text',
    );
    t.same(await storedGateway(cluster), before, 'the Gateway is unchanged');
    t.equal(await names(cluster, 'certificates'), '', 'no Certificate');
    t.equal(await names(cluster, 'referencegrants'), '', 'no ReferenceGrant');
  });

  await t.test('placeholder: still refused, a placeholder cannot stand in for a missing ReferenceGrant', async (t) => {
    await stack.reconfigure({ policies: { 'gateway-listener-tls': { mode: 'placeholder' } } });
    // What `flux reconcile kustomization` does; status.lastHandledReconcileAt says it was handled.
    const requested = new Date().toISOString();
    await cluster.kubectl([
      'annotate',
      '--overwrite',
      'kustomization.kustomize.toolkit.fluxcd.io',
      KUSTOMIZATION,
      '-n',
      'flux-system',
      `reconcile.fluxcd.io/requestedAt=${requested}`,
    ]);
    const handled = await waitFor(
      'the requested reconcile',
      async () => {
        const got = await cluster.kubectl([
          'get',
          'kustomization.kustomize.toolkit.fluxcd.io',
          KUSTOMIZATION,
          '-n',
          'flux-system',
          '-o',
          'jsonpath={.status.lastHandledReconcileAt}',
        ]);
        return got.stdout === requested ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    t.ok(handled);
    const status = await flux.kustomization(KUSTOMIZATION);
    t.equal(status.ready?.status, 'False');
    t.equal(status.ready?.message?.split('\n')[0], fluxDenial(`${refNotPermitted(0)}; ${refNotPermitted(1)}`));
    t.equal(status.lastAppliedRevision, base.revision);
    t.equal(await names(cluster, 'secrets', '-l', 'certguard.io/placeholder=true'), '', 'no placeholder Secret');
  });

  await t.test("warn: the commit syncs; the warnings are only in kustomize-controller's log", async (t) => {
    await stack.reconfigure({ policies: { 'gateway-listener-tls': { mode: 'warn' } } });
    const synced = await flux.waitForAttempt(KUSTOMIZATION, incident, 'True');
    t.equal(synced.ready?.reason, 'ReconciliationSucceeded');
    t.equal(synced.ready?.message, `Applied revision: ${incident}`);
    t.equal(synced.lastAppliedRevision, incident, 'no new commit needed: the next retry syncs');
    t.equal((await storedGateway(cluster)).listeners.length, before.listeners.length + NEW_LISTENERS.length, 'the Gateway has both new listeners');
    const events = await flux.events(KUSTOMIZATION);
    t.notOk(
      events.some((event) => event.type === 'Normal' && event.message.includes('RefNotPermitted')),
      'no Normal Event carries a warning',
    );
    // controller-runtime logs every API warning at info level, tagged with the Kustomization.
    const warned = flux
      .kustomizeLog()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine)
      .filter((line) => line.level === 'info' && line.Kustomization?.name === KUSTOMIZATION)
      .map((line) => line.msg);
    t.ok(warned.includes(refNotPermitted(0)) && warned.includes(refNotPermitted(1)), "kustomize-controller's log has both warnings verbatim, and only it");
  });
});

/** `certguard check` as a CI step runs it: the commit's folder against a snapshot of the cluster. */
const checkInCi = async (commit: Record<string, string>, cluster: Obj[]) => {
  const dir = makeTempDir('check');
  mkdirSync(join(dir, 'repo'));
  for (const [path, content] of Object.entries(commit)) writeFileSync(join(dir, 'repo', path), content);
  writeFileSync(join(dir, 'cluster.yaml'), yamlOf(...cluster));
  return run(NODE, ['bin/certguard.js', 'check', '-f', join(dir, 'repo'), '--cluster', join(dir, 'cluster.yaml')], { cwd: repoRoot });
};

t.test('gitops with Flux, incident 000: certguard check in CI sees the commit whole', async (t) => {
  const state = (await clusterState()) as Obj[];
  const incident = { 'apps.yaml': yamlOf(...state.filter(isApp)), 'gateway.yaml': yamlOf(grownGateway()) };
  const checked = await checkInCi(incident, [...state.filter((object) => !isApp(object)), workingGateway()]);
  t.equal(checked.code, 1, 'the CI step fails');
  t.match(
    checked.stdout,
    `denied  Gateway ${GATEWAY_NAMESPACE}/${GATEWAY_NAME}\n  - ${missingSecretMessage(0)}\n  - ${missingSecretMessage(1)}\n`,
    'with the denial that names the Certificates',
  );
});

t.test('gitops with Flux, incident 000: Certificates and ReferenceGrants in a stage of their own', async (t) => {
  const { stack, cluster, flux, base, pushIncident } = await startSeed000Flux(t, { config: {}, kustomizeArgs: [STAGE_FIRST] });
  const before = await storedGateway(cluster);
  let incident = '';

  await t.test('enforce: refused naming the listeners and their Certificates; the Gateway is unchanged', async (t) => {
    const refused = await pushIncident('False');
    incident = refused.revision;
    t.comment(`commit to Ready=False: ${refused.elapsedMs} ms`);
    t.equal(refused.status.ready?.reason, 'ReconciliationFailed');
    const [first, ...applied] = (refused.status.ready?.message ?? '').split('\n');
    t.equal(first, fluxDenial(`${missingSecretMessage(0)}; ${missingSecretMessage(1)}`), "certguard's message, verbatim, after Flux's prefix");
    t.same(
      applied.filter(Boolean).map((line) => line.replace(/ (created|unchanged)$/, '')),
      [
        'Namespace/app-prod',
        'Namespace/app-sandbox',
        'Certificate/app-prod/app-prod',
        'Certificate/app-sandbox/app-sandbox',
        'ReferenceGrant/app-prod/traefik-gateway-tls',
        'ReferenceGrant/app-sandbox/traefik-gateway-tls',
      ],
      'the staged objects were applied',
    );
    t.equal(refused.status.lastAppliedRevision, base.revision);
    t.same(await storedGateway(cluster), before, 'the Gateway is unchanged');
  });

  await t.test('placeholder: the same commit syncs, the listeners served by placeholder Secrets', async (t) => {
    await stack.reconfigure({ policies: { 'gateway-listener-tls': { mode: 'placeholder' } } });
    const synced = await flux.waitForAttempt(KUSTOMIZATION, incident, 'True');
    t.equal(synced.ready?.reason, 'ReconciliationSucceeded');
    t.equal(synced.lastAppliedRevision, incident, 'no new commit needed: the next retry syncs');
    t.equal((await storedGateway(cluster)).listeners.length, before.listeners.length + NEW_LISTENERS.length, 'the Gateway has both new listeners');
    t.equal(
      await names(cluster, 'secrets', '-l', 'certguard.io/placeholder=true'),
      NEW_LISTENERS.map((entry) => `${entry.namespace}/${entry.secret}`).join(' '),
      'the placeholder Secrets exist',
    );
  });
});
