/**
 * The observability pack (deploy/observability) checked against what the apps really do, as
 * deploy-manifests.spec.ts checks the deployment: the kustomize component rendered into each overlay
 * (`kubectl kustomize`), its PodMonitor against the pods and NetworkPolicies, every PromQL expression
 * of its alerts and of the Grafana dashboard against the metrics the code registers with prom-client,
 * and the compose profile against deploy/docker-compose.yml. Renaming a metric or a label in the code
 * fails here until the alerts and panels follow.
 */
import { PATH_METADATA } from '@nestjs/common/constants';
import { ConfigService } from '@nestjs/config';
import { ALL_EVENTS } from '@app/contracts';
import { MessagingMetrics } from '@app/messaging';
import { composeSchemaProblems } from './compose-schema';
import * as coreV1 from 'kubernetes-models/v1';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Histogram, Summary, register } from 'prom-client';
import { parse, parseAllDocuments, parseDocument } from 'yaml';
import { ManageClient } from '../apps/rental/src/rentals/manage.client';
import { RentalConfig } from '../apps/rental/src/rental.config';
import '../apps/view/src/rental-views/rental-views.service';
import '../libs/platform/src/database';
import { MetricsController } from '../libs/platform/src/metrics/metrics.controller';
import { recordHttpMetrics } from '../libs/platform/src/metrics/http-metrics';

const ROOT = join(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const PACK = 'deploy/observability';
/** The line an overlay adds, as docs/operations.md gives it. */
const COMPONENT = '../../../observability/k8s';
const DASHBOARD_FILE = `${PACK}/grafana/storage-rental.json`;
const COMPOSE_FILE = `${PACK}/compose/docker-compose.observability.yml`;
const PROFILE = 'observability';

const APP_NAMES = Object.entries(JSON.parse(read('nest-cli.json')).projects as Record<string, { type: string }>)
  .filter(([, project]) => project.type === 'application')
  .map(([name]) => name)
  .sort();
/** The route MetricsController serves (no global prefix: deploy-manifests.spec.ts checks that). */
const METRICS_PATH = `/${Reflect.getMetadata(PATH_METADATA, MetricsController)}`;

// ---------------------------------------------------------------------------------------------
// What the code exports

/**
 * Every metric the apps register, from prom-client's registry once the modules that define them are
 * loaded: most are made at import; rental's circuit gauge in ManageClient's constructor and the
 * scrape-time gauges in MessagingMetrics.onModuleInit, made here with stand-ins they only call when
 * scraped (this test never scrapes). recordHttpMetrics turns on Node's default metrics, as each app does.
 */
const manageClient = new ManageClient(
  { get: (key: keyof RentalConfig) => new RentalConfig()[key] } as unknown as ConfigService<RentalConfig, true>,
  {} as never,
  {} as never,
);
new MessagingMetrics({} as never, {} as never, 'probe').onModuleInit();
const codeMetricNames = new Set(register.getMetricsAsArray().map((m) => m.name));
recordHttpMetrics({ addHook: () => undefined } as never, 'probe');
const DEFAULT_METRICS = new Set(
  register
    .getMetricsAsArray()
    .map((m) => m.name)
    .filter((name) => !codeMetricNames.has(name)),
);
afterAll(() => manageClient.onApplicationShutdown());

/** Each series name a scrape can hold (a histogram's _bucket, _sum and _count), with its labels. */
const SERIES = new Map<string, Set<string>>();
for (const metric of register.getMetricsAsArray()) {
  const labels = new Set((metric as unknown as { labelNames?: string[] }).labelNames ?? []);
  const add = (series: string, extra: string[] = []) => SERIES.set(series, new Set([...labels, ...extra]));
  if (metric instanceof Histogram) {
    add(`${metric.name}_bucket`, ['le']);
    add(`${metric.name}_sum`);
    add(`${metric.name}_count`);
  } else if (metric instanceof Summary) {
    add(metric.name, ['quantile']);
    add(`${metric.name}_sum`);
    add(`${metric.name}_count`);
  } else {
    add(metric.name);
  }
}
/** Labels Prometheus adds to every series: its own, and the PodMonitor's target labels (Prometheus Operator). */
const TARGET_LABELS = ['job', 'instance', 'namespace', 'pod', 'container', 'endpoint'];
/** The default labels each app sets on all its series (register.setDefaultLabels), read from a scrape. */
let DEFAULT_LABELS: string[] = [];
beforeAll(async () => {
  const sample = (await register.getSingleMetricAsString('process_cpu_user_seconds_total')).split('\n').find((l) => !l.startsWith('#'));
  DEFAULT_LABELS = [...(/\{(.*)\}/.exec(sample ?? '')?.[1] ?? '').matchAll(/(\w+)="/g)].map((m) => m[1]);
});
const EVENT_TYPES = new Set<string>(ALL_EVENTS.map((event) => event.type));

/** Each metric constructor in apps/ and libs/ (specs aside), with the name it is given, if it reads as a literal. */
function metricsInSource(): { file: string; name?: string }[] {
  return ['apps', 'libs'].flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile() && f.name.endsWith('.ts') && !f.name.endsWith('.spec.ts'))
      .flatMap((f) => {
        const path = join(f.parentPath, f.name);
        const text = readFileSync(path, 'utf8');
        return [...text.matchAll(/new (?:Counter|Gauge|Histogram|Summary)\b/g)].map((m) => ({
          file: relative(ROOT, path),
          name: /^(?:<[^>]*>)?\(\s*\{\s*name:\s*['"`]([^'"`]+)['"`]/.exec(text.slice(m.index + m[0].length))?.[1],
        }));
      }),
  );
}

// ---------------------------------------------------------------------------------------------
// PromQL: a lexer and just enough of the grammar to find every selector and grouping label

type Token = { kind: 'string' | 'number' | 'ident' | 'punct'; text: string };
type Matcher = { label: string; op: string; value: string };
type Query = { selectors: { metric: string; matchers: Matcher[] }[]; grouping: string[] };

const PROMQL_TOKEN =
  /(\s+|#[^\n]*)|("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`)|((?:\d+(?:ms|[smhdwy]))+(?![\w.])|0x[0-9a-f]+|\d*\.?\d+(?:e[+-]?\d+)?)|([a-zA-Z_:][\w:]*)|(==|!=|=~|!~|>=|<=|[-+*/%^=<>@(){}[\],:])/iy;
/** Grafana's variables in a range (`[$__rate_interval]`) stand for a duration; in a label value they are just text. */
const GRAFANA_VARIABLE = /\$\{[^}]*\}|\$\w+/g;
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const AGGREGATIONS = new Set('sum min max avg group stddev stdvar count count_values bottomk topk quantile'.split(' '));
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);
const CLOSING: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  PROMQL_TOKEN.lastIndex = 0;
  while (PROMQL_TOKEN.lastIndex < expr.length) {
    const at = PROMQL_TOKEN.lastIndex;
    const match = PROMQL_TOKEN.exec(expr);
    if (!match) throw new Error(`PromQL: cannot read "${expr.slice(at, at + 20)}" in ${expr}`);
    const [, space, string, number, ident, punct] = match;
    if (space) continue;
    if (string) tokens.push({ kind: 'string', text: string });
    else if (number) tokens.push({ kind: 'number', text: number });
    else if (ident) tokens.push({ kind: 'ident', text: ident });
    else tokens.push({ kind: 'punct', text: punct });
  }
  return tokens;
}

const unquote = (token: Token) => (token.text.startsWith('"') ? (JSON.parse(token.text) as string) : token.text.slice(1, -1));

/**
 * The metric selectors (name and label matchers) and the grouping labels (by, on, …) of an
 * expression. An identifier is a metric unless it calls (`rate(`), is a keyword, or is an aggregation
 * followed by its grouping; brackets must balance, matchers must be `label op "value"`.
 */
function parsePromql(expr: string): Query {
  const tokens = tokenize(expr.replace(/\[[^\]]*\]/g, (range) => range.replace(GRAFANA_VARIABLE, '5m')));
  if (tokens.length === 0) throw new Error('PromQL: empty expression');
  const query: Query = { selectors: [], grouping: [] };
  const open: string[] = [];
  const take = (i: number, what: (t: Token) => boolean, description: string): Token => {
    const token = tokens[i];
    if (!token || !what(token)) throw new Error(`PromQL: expected ${description} at "${token?.text ?? 'the end'}" in ${expr}`);
    return token;
  };
  for (let i = 0; i < tokens.length; i++) {
    const { kind, text } = tokens[i];
    const next = tokens[i + 1]?.text;
    if (text === '(' || text === '[' || text === '{') {
      if (text === '{') throw new Error(`PromQL: a selector without a metric name in ${expr}`);
      if (text === '[') {
        // A range or a subquery step: durations, a colon, nothing else.
        for (i++; tokens[i]?.text !== ']'; i++) take(i, (t) => t.kind === 'number' || t.text === ':', 'a duration');
        continue;
      }
      open.push(text);
    } else if (text in CLOSING) {
      if (open.pop() !== CLOSING[text]) throw new Error(`PromQL: unbalanced "${text}" in ${expr}`);
    } else if (kind === 'ident') {
      if (GROUPING.has(text)) {
        if (next !== '(') continue; // group_left without labels
        for (i += 2; tokens[i]?.text !== ')'; i++) {
          query.grouping.push(take(i, (t) => t.kind === 'ident', 'a label name').text);
          if (tokens[i + 1]?.text === ',') i++;
        }
      } else if (next === '(' || KEYWORDS.has(text) || (AGGREGATIONS.has(text) && (next === 'by' || next === 'without'))) {
        continue;
      } else {
        const matchers: Matcher[] = [];
        if (next === '{') {
          for (i += 2; tokens[i]?.text !== '}'; i++) {
            const label = take(i, (t) => t.kind === 'ident', 'a label name').text;
            const op = take(++i, (t) => ['=', '!=', '=~', '!~'].includes(t.text), 'a matcher operator').text;
            matchers.push({ label, op, value: unquote(take(++i, (t) => t.kind === 'string', 'a quoted value')) });
            if (tokens[i + 1]?.text === ',') i++;
          }
        }
        query.selectors.push({ metric: text, matchers });
      }
    }
  }
  if (open.length > 0) throw new Error(`PromQL: unclosed "${open.join('')}" in ${expr}`);
  return query;
}

/** What an expression names that the code does not export: a metric, a label of it, an event type. */
function problemsOf(where: string, expr: string): string[] {
  let query: Query;
  try {
    query = parsePromql(expr);
  } catch (error) {
    return [`${where}: ${(error as Error).message}`];
  }
  if (query.selectors.length === 0) return [`${where}: names no metric: ${expr}`];
  const anyLabel = new Set([...TARGET_LABELS, ...DEFAULT_LABELS, ...[...SERIES.values()].flatMap((labels) => [...labels])]);
  return [
    ...query.selectors.flatMap(({ metric, matchers }) => {
      const labels = SERIES.get(metric);
      if (!labels) return [`${where}: ${metric} is not a metric the code exports`];
      return matchers.flatMap(({ label, op, value }) => {
        if (![...labels, ...TARGET_LABELS, ...DEFAULT_LABELS].includes(label)) return [`${where}: ${metric} has no label ${label}`];
        if (label === 'type' && op === '=' && !EVENT_TYPES.has(value)) return [`${where}: ${value} is not an event type (libs/contracts)`];
        return [];
      });
    }),
    ...query.grouping.filter((label) => !anyLabel.has(label)).map((label) => `${where}: no series has the label ${label}`),
  ];
}

describe('the metrics the code exports', () => {
  it('are every metric constructed in apps/ and libs/: this test loads each module that defines one', () => {
    const found = metricsInSource();
    expect(found.filter((m) => !m.name).map((m) => `${m.file}: a metric whose name is not the first, literal field`)).toEqual([]);
    expect([...new Set(found.map((m) => m.name))].sort()).toEqual([...codeMetricNames].sort());
  });

  it("include Node's default metrics (collectDefaultMetrics) and the `app` label every app sets", () => {
    expect([...DEFAULT_METRICS]).toEqual(expect.arrayContaining(['process_cpu_user_seconds_total', 'nodejs_eventloop_lag_p99_seconds']));
    expect(DEFAULT_LABELS).toEqual(['app']);
  });

  it('reads the metric names out of PromQL, histogram series, grouping labels and Grafana variables included', () => {
    const query = parsePromql(
      'histogram_quantile(0.99, sum by (app, le) (rate(http_request_duration_seconds_bucket{route!~"/health.*", app=~"$app"}[$__rate_interval])))' +
        ' / on (app) group_left max without (instance) (outbox_backlog offset 5m) > bool 0 unless events_in_hand',
    );
    expect(query.selectors.map((s) => s.metric)).toEqual(['http_request_duration_seconds_bucket', 'outbox_backlog', 'events_in_hand']);
    expect(query.selectors[0].matchers).toEqual([
      { label: 'route', op: '!~', value: '/health.*' },
      { label: 'app', op: '=~', value: '$app' },
    ]);
    expect(query.grouping).toEqual(['app', 'le', 'app', 'instance']);
    expect(() => parsePromql('sum(rate(outbox_backlog[5m])')).toThrow(/unclosed/);
    expect(() => parsePromql('outbox_backlog{app="rental"')).toThrow(/expected/);
  });
});

// ---------------------------------------------------------------------------------------------
// Kubernetes: the component in every overlay

type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
};
const OVERLAYS = readdirSync(join(ROOT, 'deploy/k8s/overlays'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
  .map((d) => d.name);

/**
 * An overlay rendered with the component added, as docs/operations.md says to: on a copy of deploy/
 * whose overlay gets the `components:` line, and whose `X.example` files stand in for missing `X`
 * (production's secrets.env is never committed).
 */
function renderWithPack(overlay: string): K8sObject[] {
  const copy = mkdtempSync(join(tmpdir(), 'observability-'));
  try {
    for (const dir of ['deploy/k8s', PACK]) cpSync(join(ROOT, dir), join(copy, dir), { recursive: true });
    for (const file of readdirSync(copy, { recursive: true, withFileTypes: true })) {
      const target = join(file.parentPath, file.name.slice(0, -'.example'.length));
      if (file.isFile() && file.name.endsWith('.example') && !existsSync(target)) cpSync(join(file.parentPath, file.name), target);
    }
    const kustomization = join(copy, 'deploy/k8s/overlays', overlay, 'kustomization.yaml');
    const doc = parseDocument(readFileSync(kustomization, 'utf8'));
    doc.set('components', [...((doc.toJS().components as string[] | undefined) ?? []), COMPONENT]);
    writeFileSync(kustomization, doc.toString());
    try {
      const output = execFileSync('kubectl', ['kustomize', dirname(kustomization)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return parseAllDocuments(output).map((d) => d.toJS() as K8sObject);
    } catch (error: any) {
      if (error.code === 'ENOENT') throw new Error('kubectl is not on PATH: these tests render the overlays with `kubectl kustomize`');
      throw new Error(`kubectl kustomize overlays/${overlay} with ${COMPONENT} failed: ${error.stderr ?? error.message}`);
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

type LabelSelector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
/** A label selector as the API server applies it; `{}` selects everything. */
function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  return (
    Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      if (operator === 'In') return key in labels && values.includes(labels[key]);
      if (operator === 'NotIn') return !(key in labels) || !values.includes(labels[key]);
      if (operator === 'Exists') return key in labels;
      if (operator === 'DoesNotExist') return !(key in labels);
      throw new Error(`unknown selector operator ${operator}`);
    })
  );
}

/** Where the NetworkPolicies expect Prometheus (deploy/k8s/README.md, "NetworkPolicies"). */
const PROMETHEUS = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } };

/** Whether the NetworkPolicies let Prometheus connect to the named container port of a workload's pods. */
function prometheusMayReach(objects: K8sObject[], workload: K8sObject, port: { name: string; containerPort: number }): boolean {
  const namespace = workload.metadata.namespace;
  const policies = objects.filter(
    (p) =>
      p.kind === 'NetworkPolicy' &&
      p.metadata.namespace === namespace &&
      selects(p.spec.podSelector, workload.spec.template.metadata.labels) &&
      (p.spec.policyTypes ?? ['Ingress']).includes('Ingress'),
  );
  if (policies.length === 0) return true;
  const portAdmits = (ports?: { port?: string | number }[]) =>
    !ports?.length || ports.some((p) => p.port === undefined || p.port === port.name || p.port === port.containerPort);
  const peerAdmits = (peer: any) =>
    !peer.ipBlock &&
    (peer.namespaceSelector
      ? selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': PROMETHEUS.namespace })
      : namespace === PROMETHEUS.namespace) &&
    (!peer.podSelector || selects(peer.podSelector, PROMETHEUS.labels));
  return policies.some((policy) =>
    (policy.spec.ingress ?? []).some((rule: any) => portAdmits(rule.ports) && (!rule.from?.length || rule.from.some(peerAdmits))),
  );
}

describe.each(OVERLAYS)('deploy/k8s/overlays/%s with the observability component', (overlay) => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = renderWithPack(overlay);
  });
  const all = (kind: string) => objects.filter((o) => o.kind === kind);
  const namespace = () => all('Namespace')[0].metadata.name;
  const podMonitors = () => all('PodMonitor');

  it(`is added by the line "- ${COMPONENT}" under the overlay's components`, () => {
    const component = join(ROOT, 'deploy/k8s/overlays', overlay, COMPONENT);
    expect(parse(readFileSync(join(component, 'kustomization.yaml'), 'utf8'))).toMatchObject({
      apiVersion: 'kustomize.config.k8s.io/v1alpha1',
      kind: 'Component',
    });
  });

  it("adds a PodMonitor, a PrometheusRule and the dashboard's ConfigMap, all in the overlay's namespace", () => {
    for (const kind of ['PodMonitor', 'PrometheusRule']) {
      expect([kind, all(kind).map((o) => o.apiVersion)]).toEqual([kind, ['monitoring.coreos.com/v1']]);
      expect([kind, all(kind)[0].metadata.namespace]).toEqual([kind, namespace()]);
    }
    expect(all('ConfigMap').filter((c) => c.metadata.labels?.grafana_dashboard === '1')).toHaveLength(1);
  });

  it.each(APP_NAMES)(
    '%s: a PodMonitor selects its pods and scrapes /metrics on a named port of its container that Prometheus may reach',
    (app) => {
      const deployment = all('Deployment').find((d) => d.metadata.name === app)!;
      const labels = deployment.spec.template.metadata.labels;
      const ports: { name: string; containerPort: number }[] = deployment.spec.template.spec.containers.flatMap((c: any) => c.ports ?? []);
      const monitors = podMonitors().filter(
        (m) =>
          selects(m.spec.selector, labels) &&
          (m.spec.namespaceSelector?.any ||
            (m.spec.namespaceSelector?.matchNames ?? [m.metadata.namespace]).includes(deployment.metadata.namespace)),
      );
      expect([app, monitors.length]).toEqual([app, 1]);
      for (const endpoint of monitors[0].spec.podMetricsEndpoints) {
        const port = ports.find((p) => p.name === endpoint.port);
        expect([app, endpoint.port, port?.name]).toEqual([app, endpoint.port, expect.any(String)]);
        expect([app, endpoint.path ?? '/metrics']).toEqual([app, METRICS_PATH]);
        expect([app, prometheusMayReach(objects, deployment, port!)]).toEqual([app, true]);
      }
    },
  );

  it('scrapes nothing but the apps: not the db-setup Job, not the database and broker servers', () => {
    const others = [...all('Job'), ...all('StatefulSet'), ...all('Deployment').filter((d) => !APP_NAMES.includes(d.metadata.name))];
    expect(others.length).toBeGreaterThan(0);
    for (const workload of others)
      expect([workload.metadata.name, podMonitors().some((m) => selects(m.spec.selector, workload.spec.template.metadata.labels))]).toEqual(
        [workload.metadata.name, false],
      );
  });

  it('ships the dashboard as the ConfigMap Grafana\'s sidecar loads: labelled grafana_dashboard "1", no hash suffix, the JSON as it is', () => {
    const configMap = all('ConfigMap').find((c) => c.metadata.labels?.grafana_dashboard === '1')!;
    expect(configMap.metadata.name).toBe('storage-rental-dashboard');
    expect(configMap.data).toEqual({ 'storage-rental.json': read(DASHBOARD_FILE) });
    expect(() => new coreV1.ConfigMap(configMap as any).validate()).not.toThrow();
  });

  it('alerts only on metrics, labels and event types the code exports', () => {
    const rules = all('PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules));
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.flatMap((rule: any) => problemsOf(rule.alert, rule.expr))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The alerts

describe(`${PACK}/k8s/prometheus-rule.yaml`, () => {
  const ruleText = read(`${PACK}/k8s/prometheus-rule.yaml`);
  const alertsOf = (text: string) => (parse(text).spec.groups as { rules: any[] }[]).flatMap((g) => g.rules);
  const alerts = alertsOf(ruleText);

  it('has the alerts of docs/operations.md, "Observability pack", each with a severity, a summary and a `for`', () => {
    const docs = read('docs/operations.md');
    expect(docs).toContain('\n## Observability pack\n');
    const section = docs.slice(docs.indexOf('\n## Observability pack\n'));
    expect(section).toContain(`components:\n  - ${COMPONENT}\n`);
    expect(alerts.map((a) => a.alert).sort()).toEqual(
      [
        'BrokerLinkDown',
        'CircuitToManageOpen',
        'ConsumerStalled',
        'DeadLettersWaiting',
        'HighServerErrorRatio',
        'OutboxBacklogGrowing',
        'SagaLagHigh',
      ].sort(),
    );
    for (const alert of alerts) {
      expect([alert.alert, alert.labels?.severity]).toEqual([alert.alert, expect.stringMatching(/^(warning|critical)$/)]);
      expect([alert.alert, typeof alert.annotations?.summary, alert.for]).toEqual([alert.alert, 'string', expect.stringMatching(/^\d+m$/)]);
      expect([alert.alert, section.includes(`\`${alert.alert}\``)]).toEqual([alert.alert, true]);
    }
  });

  it('stands on the metrics it is meant to: dead letters, outbox, consumers, broker links, the circuit, 5xx, saga lag', () => {
    const metricsOf = (name: string) => parsePromql(alerts.find((a) => a.alert === name).expr).selectors.map((s) => s.metric);
    expect(metricsOf('DeadLettersWaiting')).toEqual(['dead_letter_queue_depth']);
    expect(metricsOf('OutboxBacklogGrowing')).toEqual(['outbox_backlog', 'outbox_backlog']);
    expect(metricsOf('ConsumerStalled')).toEqual(['events_in_hand', 'events_consumed_total']);
    expect(metricsOf('BrokerLinkDown')).toEqual(['broker_connected']);
    expect(metricsOf('CircuitToManageOpen')).toEqual(['circuit_breaker_state']);
    expect(metricsOf('HighServerErrorRatio')).toEqual(['http_request_duration_seconds_count', 'http_request_duration_seconds_count']);
    expect(metricsOf('SagaLagHigh')).toEqual(['saga_lag_seconds_bucket']);
  });

  it('would fail if the code renamed a metric the rule uses: outbox_backlog as outbox_backlog_total', () => {
    const renamed = alertsOf(ruleText.replaceAll('outbox_backlog', 'outbox_backlog_total'));
    expect(renamed.flatMap((rule) => problemsOf(rule.alert, rule.expr))).toEqual([
      'OutboxBacklogGrowing: outbox_backlog_total is not a metric the code exports',
      'OutboxBacklogGrowing: outbox_backlog_total is not a metric the code exports',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// The dashboard

describe(DASHBOARD_FILE, () => {
  const dashboard = JSON.parse(read(DASHBOARD_FILE));
  const panels: any[] = dashboard.panels.flatMap((p: any) => [p, ...(p.panels ?? [])]);
  const queryPanels = panels.filter((p) => p.type !== 'row');
  const targets = queryPanels.flatMap((p) => (p.targets ?? []).map((t: any) => ({ panel: p.title, ...t })));
  const variables: any[] = dashboard.templating.list;

  it('is a dashboard with a uid, a title, and panels with unique ids and grid positions', () => {
    expect(dashboard).toMatchObject({ uid: 'storage-rental', title: expect.any(String), schemaVersion: expect.any(Number) });
    expect(queryPanels.length).toBeGreaterThan(0);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const panel of panels)
      expect([panel.title, panel.gridPos]).toEqual([panel.title, expect.objectContaining({ w: expect.any(Number) })]);
    for (const panel of queryPanels) expect([panel.title, (panel.targets ?? []).length > 0]).toEqual([panel.title, true]);
  });

  it("queries only the dashboard's Prometheus data source variable, so any Grafana's Prometheus will do", () => {
    const datasource = variables.find((v) => v.type === 'datasource');
    expect(datasource).toMatchObject({ name: 'datasource', query: 'prometheus' });
    for (const used of [...queryPanels, ...targets, ...variables.filter((v) => v.type === 'query')])
      expect([used.title ?? used.panel ?? used.name, used.datasource]).toEqual([
        used.title ?? used.panel ?? used.name,
        { type: 'prometheus', uid: '${datasource}' },
      ]);
  });

  it('names only metrics, labels and event types the code exports, in every panel and variable', () => {
    const problems = targets.flatMap((t) => problemsOf(`${t.panel} ${t.refId}`, t.expr));
    for (const variable of variables.filter((v) => v.type === 'query')) {
      const match = /^label_values\((.+),\s*(\w+)\)$/.exec(variable.query.query);
      if (!match) problems.push(`$${variable.name}: not label_values(<selector>, <label>)`);
      else
        problems.push(
          ...problemsOf(`$${variable.name}`, match[1]),
          ...problemsOf(`$${variable.name}`, `sum by (${match[2]}) (${match[1]})`),
        );
    }
    expect(problems).toEqual([]);
  });

  it('shows saga throughput and lag, outbox backlog and dead letters, the circuit, HTTP latency by route and the database', () => {
    const used = (metric: string) => targets.filter((t) => parsePromql(t.expr).selectors.some((s) => s.metric === metric));
    const shown = [
      ...['events_published_total', 'saga_lag_seconds_count', 'saga_lag_seconds_bucket'],
      ...['outbox_backlog', 'dead_letter_queue_depth', 'events_in_hand', 'circuit_breaker_state', 'database_queries_total'],
    ];
    for (const metric of shown) expect([metric, used(metric).length > 0]).toEqual([metric, true]);
    expect(used('http_request_duration_seconds_bucket').some((t) => parsePromql(t.expr).grouping.includes('route'))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// docker compose

describe(COMPOSE_FILE, () => {
  const base = parse(read('deploy/docker-compose.yml'), { merge: true });
  const pack = parse(read(COMPOSE_FILE), { merge: true });
  const added = Object.entries(pack.services as Record<string, any>).filter(([name]) => !(name in base.services));
  const serviceWithImage = (repository: string) => added.find(([, s]) => s.image.split(':')[0] === repository)!;
  /** Compose resolves every -f file's relative paths from the first file's directory. */
  const hostPath = (source: string) => join(ROOT, 'deploy', source);
  const mounts = (service: any) =>
    (service.volumes ?? []).map((v: string) => {
      const [source, target] = v.split(':');
      return { source, target };
    });
  const envOf = (app: string) => base.services[app].environment as Record<string, string>;
  function portOf(app: string): number {
    const variable = /\.listen\(\s*config\.(\w+)/.exec(read(`apps/${app}/src/main.ts`))?.[1];
    if (!variable) throw new Error(`apps/${app}/src/main.ts: no app.listen(config.<PORT>, …)`);
    return Number(envOf(app)[variable]);
  }

  it('validates against the compose-spec JSON schema', () => {
    expect(composeSchemaProblems(pack)).toEqual([]);
  });

  it(`adds Prometheus, Grafana and Jaeger under the profile ${PROFILE}, each image with an explicit version tag`, () => {
    expect(added.map(([, s]) => s.image.split(':')[0]).sort()).toEqual(['grafana/grafana', 'jaegertracing/jaeger', 'prom/prometheus']);
    for (const [name, service] of added) {
      expect([name, service.profiles]).toEqual([name, [PROFILE]]);
      const tag = /^[\w./-]+:([\w][\w.-]*)$/.exec(service.image)?.[1];
      expect([name, tag]).toEqual([name, expect.stringMatching(/^v?\d+(\.\d+)+$/)]);
    }
  });

  it('changes nothing of the apps but the OTLP endpoint the tracing SDK reads, which is the Jaeger service on OTLP/HTTP', () => {
    const tracing = read('libs/platform/src/tracing.ts');
    expect(tracing).toContain('@opentelemetry/exporter-trace-otlp-http');
    expect(tracing).toContain('process.env.OTEL_EXPORTER_OTLP_ENDPOINT');
    const [jaeger] = serviceWithImage('jaegertracing/jaeger');
    const changed = Object.keys(pack.services).filter((name) => name in base.services);
    expect(changed.sort()).toEqual(APP_NAMES);
    for (const app of changed) {
      expect([app, pack.services[app]]).toEqual([app, { environment: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://${jaeger}:4318` } }]);
      expect([app, envOf(app).OTEL_EXPORTER_OTLP_ENDPOINT]).toEqual([app, undefined]);
    }
  });

  it('mounts only files that exist, from deploy/ as compose resolves them, and publishes ports on 127.0.0.1 only', () => {
    for (const [name, service] of added) {
      for (const { source } of mounts(service)) expect([name, source, existsSync(hostPath(source))]).toEqual([name, source, true]);
      for (const port of service.ports ?? []) expect([name, port]).toEqual([name, expect.stringMatching(/^127\.0\.0\.1:/)]);
    }
  });

  it('has Prometheus scrape every app at its compose service name, the port it listens on, and the metrics route', () => {
    const [, prometheus] = serviceWithImage('prom/prometheus');
    const config = mounts(prometheus).find((m: any) => m.target === '/etc/prometheus/prometheus.yml');
    const jobs: any[] = parse(readFileSync(hostPath(config.source), 'utf8')).scrape_configs;
    for (const job of jobs) expect([job.job_name, job.metrics_path ?? '/metrics']).toEqual([job.job_name, METRICS_PATH]);
    const targets = jobs.flatMap((job) => job.static_configs.flatMap((c: any) => c.targets)).sort();
    expect(targets).toEqual(APP_NAMES.map((app) => `${app}:${portOf(app)}`).sort());
  });

  it('provisions Grafana with the compose Prometheus as its data source, and the dashboard Kubernetes ships', () => {
    const [, grafana] = serviceWithImage('grafana/grafana');
    const [prometheus] = serviceWithImage('prom/prometheus');
    const provisioning = mounts(grafana).find((m: any) => m.target === '/etc/grafana/provisioning');
    const yamlIn = (dir: string) =>
      readdirSync(hostPath(join(provisioning.source, dir))).map((f) =>
        parse(readFileSync(hostPath(join(provisioning.source, dir, f)), 'utf8')),
      );
    const datasources = yamlIn('datasources').flatMap((f) => f.datasources);
    expect(datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: `http://${prometheus}:9090`, isDefault: true })]);
    const folders = yamlIn('dashboards').flatMap((f) => f.providers.map((p: any) => p.options.path));
    const dashboard = mounts(grafana).find((m: any) => m.source.endsWith('.json'));
    expect(join(ROOT, 'deploy', dashboard.source)).toBe(join(ROOT, DASHBOARD_FILE));
    expect(folders).toContain(dirname(dashboard.target));
  });
});
