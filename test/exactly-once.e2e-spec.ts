import { queryPostgres } from './e2e-databases';
import { E2E_DATABASES, E2E_ENV, PORTS, SPARE_PORTS } from './e2e-env';
import { FaultProxy } from './fault-proxy';
import { AppProcess, TestSystem, eventually, request } from './harness';
import { sumOf } from '../bench/lib/prometheus';
import { RentalApi } from './rental-api';

/**
 * The moment the inbox exists for: a message's transaction has committed, and the link to the
 * broker fails before the ack goes out. The broker then delivers the message again, and only the
 * inbox row written in that committed transaction stops it from being applied twice.
 */
describe('a message whose effect committed but whose ack was lost', () => {
  let system: TestSystem;
  let view: AppProcess;
  let broker: FaultProxy;
  let database: FaultProxy;

  beforeAll(async () => {
    broker = await new FaultProxy(SPARE_PORTS[0], { host: '127.0.0.1', port: 5672 }).start();
    let armed = true;
    database = await new FaultProxy(SPARE_PORTS[1], { host: '127.0.0.1', port: 5432 }, (chunk, connection: { applying?: boolean }) => {
      const sql = chunk.toString('latin1');
      // view's effect of every event: a line in the rental's history.
      if (/INSERT INTO "?rental_view_event"?/.test(sql)) connection.applying = true;
      if (!sql.includes('COMMIT')) return;
      // The COMMIT of a transaction that applied a message: break the broker link before it reaches
      // the database, so that the commit succeeds and the ack that follows it cannot be sent.
      if (armed && connection.applying) {
        armed = false;
        broker.cut();
      }
      connection.applying = false;
    }).start();
    system = await TestSystem.start({ apps: ['gateway', 'rental', 'manage', 'assign'] });
    view = await new AppProcess('view', PORTS.view, {
      VIEW_DATABASE_URL: E2E_DATABASES.view.replace(':5432/', `:${SPARE_PORTS[1]}/`),
      AMQP_URL: E2E_ENV.AMQP_URL.replace(':5672/', `:${SPARE_PORTS[0]}/`),
    })
      .start()
      .waitReady();
  });

  afterAll(async () => {
    await Promise.all([system?.stop(), view?.stop()]);
    await Promise.all([broker?.stop(), database?.stop()]);
  });

  it('is delivered again and absorbed by the inbox: every event in the history once, one notification, no retry', async () => {
    const api = new RentalApi(system.gateway);
    const applied = await api.apply();
    expect(applied.status).toBe(201);
    const confirmed = await api.viewWithStatus(applied.body.id, 'CONFIRMED');

    expect(broker.cuts).toBe(1);
    const consumed = async (outcome: string) =>
      sumOf((await request('GET', `${view.url}/metrics`)).body, 'events_consumed_total', { outcome });
    // The redelivery really happened (the scenario took place), and the inbox recognised it.
    await eventually(
      () => consumed('duplicate'),
      (n) => n >= 1,
      { message: 'view saw no redelivered duplicate' },
    );

    const types = confirmed.history.map((entry: { type: string }) => entry.type);
    expect(types).toEqual([...new Set(types)]);
    const notifications = await queryPostgres<{ kind: string }>('view', 'SELECT kind FROM notification WHERE rental_id = $1', [
      applied.body.id,
    ]);
    expect(notifications.map((n) => n.kind)).toEqual(['CONFIRMED']);
    expect([await consumed('retried'), await consumed('dead_lettered')]).toEqual([0, 0]);
  });
});
