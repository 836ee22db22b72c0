import { connect } from 'amqplib';
import { APPS, E2E_ENV } from './e2e-env';
import { TestSystem, request } from './harness';
import { RentalApi } from './rental-api';
import { sample } from '../bench/lib/prometheus';

/** What the broker itself says is waiting in a queue. */
async function brokerDepth(queue: string): Promise<number> {
  const connection = await connect(E2E_ENV.AMQP_URL);
  try {
    return (await (await connection.createChannel()).checkQueue(queue)).messageCount;
  } finally {
    await connection.close();
  }
}

/** The value of one series in Prometheus text format, or undefined when it is not there. */
describe('metrics', () => {
  let system: TestSystem;
  let api: RentalApi;
  const scrape = async (app: (typeof APPS)[number]) => {
    const answer = await request('GET', `${system.app(app).url}/metrics`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/plain');
    return answer.body as string;
  };

  beforeAll(async () => {
    system = await TestSystem.start();
    api = new RentalApi(system.gateway);
  });

  afterAll(() => system.stop());

  it.each(APPS)('%s serves Prometheus metrics labelled with its name', async (app) => {
    const text = await scrape(app);
    expect(sample(text, 'process_cpu_user_seconds_total', { app })).toBeGreaterThan(0);
  });

  it('counts what a rental does on its way through the apps', async () => {
    const before = { published: sample(await scrape('rental'), 'events_published_total', { type: 'RentalRequested' }) ?? 0 };
    const applied = await api.apply();
    expect(applied.status).toBe(201);
    await api.viewWithStatus(applied.body.id, 'CONFIRMED');

    const rental = await scrape('rental');
    expect(
      sample(rental, 'http_request_duration_seconds_count', { app: 'rental', method: 'POST', route: '/rentals', status_code: '201' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(rental, 'events_published_total', { type: 'RentalRequested' })).toBe(before.published + 1);
    expect(sample(rental, 'circuit_breaker_state', { target: 'manage' })).toBe(0);
    expect(sample(rental, 'outbox_backlog', { app: 'rental' })).toBe(0);
    // Other test files may have left dead letters: the gauge must match the broker, whatever it holds.
    expect(sample(rental, 'dead_letter_queue_depth', { app: 'rental' })).toBe(await brokerDepth('rental.dead'));

    const assign = await scrape('assign');
    expect(sample(assign, 'events_consumed_total', { type: 'AllocationRequested', outcome: 'applied' })).toBeGreaterThanOrEqual(1);
    expect(sample(assign, 'events_published_total', { type: 'StorageAssigned' })).toBeGreaterThanOrEqual(1);

    const view = await scrape('view');
    expect(sample(view, 'events_consumed_total', { type: 'StorageAssigned', outcome: 'applied' })).toBeGreaterThanOrEqual(1);
    expect(sample(view, 'saga_lag_seconds_count', { outcome: 'CONFIRMED' })).toBeGreaterThanOrEqual(1);
    expect(sample(view, 'saga_lag_seconds_bucket', { outcome: 'CONFIRMED', le: '+Inf' })).toBeGreaterThanOrEqual(1);

    const gateway = await scrape('gateway');
    expect(
      sample(gateway, 'http_request_duration_seconds_count', { method: 'POST', route: '/rentals', status_code: '201' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('labels requests by route pattern, never by id', async () => {
    await api.rental('00000000-0000-4000-8000-000000000000');
    const rental = await scrape('rental');
    expect(sample(rental, 'http_request_duration_seconds_count', { route: '/rentals/:id', status_code: '404' })).toBeGreaterThanOrEqual(1);
    expect(rental).not.toContain('00000000-0000-4000-8000-000000000000');
  });
});
