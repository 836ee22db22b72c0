import { createServer, Server } from 'node:http';
import { SPARE_PORTS } from './e2e-env';
import { TestSystem, eventually, request } from './harness';
import { RentalApi } from './rental-api';
import { as } from './tokens';

interface Span {
  service: string;
  traceId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

/** An OTLP/HTTP (JSON) collector: the spans the apps export, flattened, and the paths of anything else they post. */
function startCollector(port: number): Promise<{ server: Server; spans: Span[]; otherPaths: string[] }> {
  const spans: Span[] = [];
  const otherPaths: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url !== '/v1/traces') {
        otherPaths.push(req.url ?? '');
        return res.writeHead(200).end();
      }
      for (const resourceSpans of JSON.parse(body).resourceSpans ?? []) {
        const attribute = (list: any[], key: string) => list.find((a) => a.key === key)?.value;
        const service = attribute(resourceSpans.resource.attributes, 'service.name')?.stringValue;
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            const attributes = Object.fromEntries((span.attributes ?? []).map((a: any) => [a.key, Object.values(a.value)[0]]));
            spans.push({ service, traceId: span.traceId, name: span.name, kind: span.kind, attributes });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, spans, otherPaths })));
}

describe('tracing', () => {
  let system: TestSystem;
  let collector: Awaited<ReturnType<typeof startCollector>>;

  beforeAll(async () => {
    collector = await startCollector(SPARE_PORTS[3]);
    system = await TestSystem.start({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${SPARE_PORTS[3]}`, OTEL_BSP_SCHEDULE_DELAY: '200' },
    });
  });

  afterAll(async () => {
    await system?.stop();
    await new Promise((resolve) => collector.server.close(resolve));
  });

  /** Applies once with a correlation id of its own, waits for CONFIRMED, and finds the gateway's span of it. */
  async function confirmedApplication(prefix: string): Promise<{ correlationId: string; entry: Span }> {
    const api = new RentalApi(system.gateway);
    const correlationId = `${prefix}-${Date.now()}`;
    const applied = await api.apply({}, { 'x-correlation-id': correlationId });
    await api.viewWithStatus(applied.body.id, 'CONFIRMED');
    const entry = await eventually(
      async () => collector.spans.find((s) => s.service === 'gateway' && s.attributes['correlation.id'] === correlationId),
      Boolean,
      { message: 'the gateway exported no span with the correlation id' },
    );
    return { correlationId, entry: entry! };
  }

  it('follows one application across all five apps as one trace, over HTTP and the AMQP hops', async () => {
    const { correlationId, entry } = await confirmedApplication('trace');
    // gateway → rental → manage over HTTP; manage → assign → view over RabbitMQ, through the outbox.
    const expected = [
      ['rental', (s: Span) => s.kind === 2 && s.attributes['correlation.id'] === correlationId],
      ['manage', (s: Span) => s.kind === 2],
      ['assign', (s: Span) => s.name === 'AllocationRequested process' && s.kind === 5],
      ['view', (s: Span) => s.name === 'StorageAssigned process' && s.attributes['correlation.id'] === correlationId],
      ['rental', (s: Span) => s.name === 'StorageAssigned process'],
    ] as const;
    for (const [service, matches] of expected) {
      await eventually(
        async () => collector.spans.some((s) => s.service === service && s.traceId === entry.traceId && matches(s)),
        Boolean,
        { message: `no ${service} span in the application's trace` },
      );
    }
  });

  it("traces each app's SQL inside the application's trace, and puts the trace id in its log lines", async () => {
    const { entry } = await confirmedApplication('trace-sql');
    const database = (s: Span) => s.attributes['db.system.name'] ?? s.attributes['db.system'];
    for (const [service, engine] of [
      ['rental', 'postgresql'],
      ['manage', 'postgresql'],
      ['assign', 'mysql'],
    ] as const) {
      await eventually(
        async () =>
          collector.spans.some((s) => s.service === service && s.traceId === entry.traceId && s.kind === 3 && database(s) === engine),
        Boolean,
        { message: `no ${engine} span of ${service} in the application's trace` },
      );
    }
    await eventually(async () => system.app('rental').output.some((line) => line.includes(entry.traceId)), Boolean, {
      message: "no rental log line carries the application's trace id",
    });
  });

  it('exports nothing unless an endpoint is configured', async () => {
    // After the restart: the old process flushes its last spans while it stops.
    await system.restart('view', { OTEL_EXPORTER_OTLP_ENDPOINT: '' });
    const before = collector.spans.length;
    await request('GET', `${system.app('view').url}/rental-views?customerId=nobody`, undefined, as('nobody'));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(collector.spans.filter((s, i) => i >= before && s.service === 'view')).toEqual([]);
  });

  // Last: view's restart above flushed what its SDK held on shutdown, which is when metrics would go out.
  it('exports traces only: no OTLP metrics or logs (those are /metrics and stdout)', () => {
    expect(collector.otherPaths).toEqual([]);
  });
});
