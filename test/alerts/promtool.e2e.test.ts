// The alerts checked with the real promtool: the rules lint clean, every per-namespace alert names
// the namespace at fault when its series come through the chart's ServiceMonitor (honorLabels:
// the input series carry the labels the Prometheus Operator's relabelling produces), and
// certguard's /metrics passes `promtool check metrics`.
import t from 'tap';
import { ManifestView, readManifests } from '../../src/cluster/manifest-view.ts';
import { buildMetrics } from '../../src/compose-metrics.ts';
import { promtool } from '../helpers/promtool.ts';

t.test("promtool check rules --lint=all: the rule file and the chart's copy", async (t) => {
  for (const file of ['docs/prometheus-rules.yaml', 'charts/certguard/files/prometheus-rules.yaml']) {
    const checked = promtool(['check', 'rules', '--lint=all', file]);
    t.equal(checked.code, 0, `${file}: ${checked.stdout}${checked.stderr}`);
    t.match(checked.stdout, /SUCCESS: 9 rules found/, file);
  }
});

t.test('promtool test rules: the alerts fire as docs/alerts.md says, naming the namespace at fault', async (t) => {
  const tested = promtool(['test', 'rules', 'test/alerts/solver-alerts.test.yaml']);
  t.equal(tested.code, 0, `${tested.stdout}${tested.stderr}`);
  t.match(tested.stdout, /SUCCESS/);
});

t.test("promtool check metrics: certguard's /metrics, default process and Node.js metrics included, is clean", async (t) => {
  const view = new ManifestView(await readManifests(['examples/cluster']));
  const metrics = buildMetrics(view);
  metrics.recordBreakGlass('certificate-dns', 'shop');
  const exposition = await metrics.render();
  t.match(exposition, /^nodejs_active_(handles|resources)[ {]/m, "prom-client's Node.js gauges are there");
  t.notMatch(exposition, /^nodejs_active_\w+_total[ {]/m, 'but not the gauges named like counters');
  const checked = promtool(['check', 'metrics'], exposition);
  t.same([checked.code, checked.stdout, checked.stderr], [0, '', ''], 'no lint problem');
});
