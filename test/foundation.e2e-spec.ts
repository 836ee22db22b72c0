import { queuesOf } from '@app/messaging';
import { spawnSync, execFileSync } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { sample } from '../bench/lib/prometheus';
import { appEntry } from '../scripts/build-output';
import { managementApi } from '../scripts/broker-setup';
import { DbSetupConfig } from '../scripts/db-setup.config';
import { APPS, E2E_VHOST, PORTS, SPARE_PORTS } from './e2e-env';
import { AppProcess, TestSystem, eventually, request, setUpBrokerFor, sleep } from './harness';
import { RentalApi } from './rental-api';
import { ADMIN, as } from './tokens';

describe('workspace foundation', () => {
  let system: TestSystem;
  let api: RentalApi;

  beforeAll(async () => {
    system = await TestSystem.start();
    api = new RentalApi(system.gateway);
  });

  afterAll(() => system.stop());

  it.each(APPS)('%s answers 200 on /health/live, /health/ready and /health', async (app) => {
    for (const path of ['/health/live', '/health/ready', '/health']) {
      expect((await request('GET', `http://127.0.0.1:${PORTS[app]}${path}`)).status).toBe(200);
    }
  });

  it('echoes the caller’s correlation id, and makes one when there is none', async () => {
    const given = await request('GET', `${system.gateway}/health/live`, undefined, { 'x-correlation-id': 'client-chose-this' });
    expect(given.headers.get('x-correlation-id')).toBe('client-chose-this');
    const made = await request('GET', `${system.gateway}/storage-units?location=berlin`, undefined, ADMIN);
    expect(made.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('carries one correlation id from the client through HTTP, the outbox and the broker to every consumer', async () => {
    const correlationId = `trace-${Date.now()}`;
    const applied = await api.apply({}, { 'x-correlation-id': correlationId });
    expect(applied.status).toBe(201);
    expect(applied.headers.get('x-correlation-id')).toBe(correlationId);

    const view = await api.viewWithStatus(applied.body.id, 'CONFIRMED');
    // RentalRequested left rental's outbox; AllocationRequested was made by manage, called over HTTP;
    // StorageAssigned by assign while handling AllocationRequested: three hops, one id.
    const types = view.history.map((event: { type: string }) => event.type);
    expect(types).toEqual(expect.arrayContaining(['RentalRequested', 'AllocationRequested', 'StorageAssigned']));
    for (const event of view.history) expect(event.correlationId).toBe(correlationId);

    // ...and on the log lines written while handling it, here view's notice to the customer.
    const noticeLine = await eventually(
      async () => system.app('view').output.find((line) => line.includes('Notified customer') && line.includes(applied.body.customerId)),
      Boolean,
      { message: 'view logged no notification' },
    );
    expect(JSON.parse(noticeLine!)).toEqual(expect.objectContaining({ app: 'view', correlationId }));
  });

  describe('when the broker stops', () => {
    afterAll(() => startBroker());

    it('keeps every app ready and every application accepted while it is down, and settles them once it is back', async () => {
      const pids = APPS.map((app) => system.app(app).pid);
      const location = await api.location();
      stopBroker();
      const readiness: Record<string, number[]> = {};
      const applications = [];
      try {
        for (const app of ['rental', 'manage', 'assign', 'view'] as const) {
          // The outage is seen (health details and metrics)...
          const health = await eventually(
            () => request('GET', `${system.app(app).url}/health`),
            (a) => a.body?.details?.broker?.publisher === false,
            { message: `${app} did not notice the broker was gone` },
          );
          expect(health.body.details.broker).toEqual(expect.objectContaining({ publisher: false, consumer: false }));
          const metrics = await request('GET', `${system.app(app).url}/metrics`);
          expect([
            sample(metrics.body, 'broker_connected', { link: 'publisher' }),
            sample(metrics.body, 'broker_connected', { link: 'consumer' }),
          ]).toEqual([0, 0]);
        }
        // ...and for longer than Kubernetes' readiness window (2 failures 5 s apart), every app
        // stays ready while customers apply through the gateway.
        const until = Date.now() + 12_000;
        while (Date.now() < until) {
          for (const app of ['rental', 'manage', 'assign', 'view'] as const) {
            (readiness[app] ??= []).push((await request('GET', `${system.app(app).url}/health/ready`)).status);
          }
          applications.push(await api.apply({ location }));
          await sleep(500);
        }
      } finally {
        startBroker();
      }
      for (const app of ['rental', 'manage', 'assign', 'view']) expect([app, [...new Set(readiness[app])]]).toEqual([app, [200]]);
      expect(applications.filter((a) => a.status !== 201)).toEqual([]);

      // Once it is back, the outboxes publish what waited and every application settles.
      await Promise.all(applications.map((a) => api.viewWithStatus(a.body.id, 'CONFIRMED', 60_000)));
      for (const app of ['rental', 'manage', 'assign', 'view'] as const) {
        await eventually(
          () => request('GET', `${system.app(app).url}/health`),
          (a) => a.body?.details?.broker?.publisher === true && a.body?.details?.broker?.consumer === true,
          { timeoutMs: 60_000, message: `${app} did not reconnect to the broker` },
        );
      }
      expect(APPS.map((app) => system.app(app).pid)).toEqual(pids);
    });
  });

  describe('when an app’s events queue is deleted', () => {
    const queue = queuesOf('view').events;
    afterAll(() => setUpBrokerFor());

    it('stops saying it consumes, asks for db:setup, and consumes again once db:setup has declared the queue', async () => {
      const view = system.app('view');
      const consumer = () => request('GET', `${view.url}/health`).then((a) => a.body?.details?.broker?.consumer as boolean | undefined);
      // Readiness does not wait for the broker: right after a start, the consumer may still be connecting.
      await eventually(consumer, (consuming) => consuming === true, { message: 'view never consumed' });
      await managementApi(new DbSetupConfig().RABBITMQ_ADMIN_URL)('DELETE', `queues/${encodeURIComponent(E2E_VHOST)}/${queue}`);
      await eventually(consumer, (consuming) => consuming === false, { message: 'view still says it consumes' });
      await eventually(
        async () => view.output.some((line) => line.includes(`No queue ${queue} on the broker: run db:setup to declare it`)),
        Boolean,
        { message: `view did not ask for db:setup; its output:\n${view.output.slice(-10).join('\n')}` },
      );

      await setUpBrokerFor();
      await eventually(consumer, (consuming) => consuming === true, { timeoutMs: 30_000, message: 'view did not consume again' });
      const application = await api.apply({ location: await api.location() });
      expect(application.status).toBe(201);
      await api.viewWithStatus(application.body.id, 'CONFIRMED', 30_000);
    });
  });

  describe('the gateway in front of a broken app', () => {
    let slowApp: Server;

    afterAll(() => new Promise((resolve) => slowApp?.close(resolve)));

    it('answers a JSON 502 when the app is down', async () => {
      const gateway = new AppProcess('gateway', SPARE_PORTS[0], {
        GATEWAY_PORT: String(SPARE_PORTS[0]),
        VIEW_URL: 'http://127.0.0.1:1',
      }).start();
      try {
        await gateway.waitReady();
        const answer = await request('GET', `${gateway.url}/rental-views/00000000-0000-4000-8000-000000000000`, undefined, ADMIN);
        expect(answer.status).toBe(502);
        expect(answer.body).toEqual(expect.objectContaining({ statusCode: 502, error: 'Bad Gateway' }));
      } finally {
        await gateway.stop();
      }
    });

    it('answers a JSON 504 when the app is too slow', async () => {
      slowApp = createServer((_req, res) => setTimeout(() => res.end('{}'), 3000));
      await new Promise<void>((resolve) => slowApp.listen(0, '127.0.0.1', resolve));
      const slowUrl = `http://127.0.0.1:${(slowApp.address() as AddressInfo).port}`;
      const gateway = new AppProcess('gateway', SPARE_PORTS[0], {
        GATEWAY_PORT: String(SPARE_PORTS[0]),
        VIEW_URL: slowUrl,
        UPSTREAM_TIMEOUT_MS: '300',
      }).start();
      try {
        await gateway.waitReady();
        const answer = await request('GET', `${gateway.url}/notifications?customerId=x`, undefined, as('x'));
        expect(answer.status).toBe(504);
        expect(answer.body).toEqual(expect.objectContaining({ statusCode: 504, error: 'Gateway Timeout' }));
      } finally {
        await gateway.stop();
      }
    });
  });
});

describe('configuration', () => {
  it.each([
    ['rental', { RENTAL_PORT: 'abc' }, 'RENTAL_PORT'],
    ['assign', { ASSIGN_DATABASE_URL: 'postgres://wrong-kind' }, 'ASSIGN_DATABASE_URL'],
    ['gateway', { RENTAL_URL: 'not a url' }, 'RENTAL_URL'],
    ['view', { AMQP_PREFETCH: '0' }, 'AMQP_PREFETCH'],
  ])('stops %s with one line naming a bad variable', (app, env, variable) => {
    const result = spawnSync(process.execPath, [appEntry(app)], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(variable);
    expect(result.stdout).toBe('');
  });
});

function stopBroker(): void {
  execFileSync('rabbitmqctl', ['stop_app'], { stdio: 'pipe' });
}

function startBroker(): void {
  execFileSync('rabbitmqctl', ['start_app'], { stdio: 'pipe' });
}
