import { AllocationRequested, StorageUnavailable } from '@app/contracts';
import { ChannelModel, ConfirmChannel, connect } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { queryPostgres } from './e2e-databases';
import { E2E_DATABASES, E2E_ENV, SPARE_PORTS } from './e2e-env';
import { publishEvent } from './events';
import { FaultProxy } from './fault-proxy';
import { AppProcess, TestSystem, dayFromToday, eventually } from './harness';

/**
 * Two consumers on one queue, each applying batches in one transaction: they must never wait for
 * each other in a cycle. The messages are published so that the broker's round robin hands each
 * consumer the events of two rentals in opposite orders, the pattern that deadlocks when a batch
 * locks rows in delivery order.
 */
describe('two view consumers on one queue', () => {
  let system: TestSystem;
  let second: AppProcess;
  let broker: ChannelModel;
  let channel: ConfirmChannel;
  let slowDatabase: FaultProxy;
  let env: Record<string, string>;

  beforeAll(async () => {
    // Every statement takes a few ms more, so that the two consumers' batches overlap for sure.
    slowDatabase = await new FaultProxy(SPARE_PORTS[1], { host: '127.0.0.1', port: 5432 }, undefined, 10).start();
    // A prefetch of one batch (20), so that each consumer's first batch is one run of the pattern below.
    env = { VIEW_DATABASE_URL: E2E_DATABASES.view.replace(':5432/', `:${SPARE_PORTS[1]}/`), AMQP_PREFETCH: '20', AMQP_BATCH_SIZE: '20' };
    system = await TestSystem.start({ apps: ['view'], env });
    second = await new AppProcess('view', SPARE_PORTS[2], { ...env, VIEW_PORT: String(SPARE_PORTS[2]) }).start().waitReady();
    broker = await connect(E2E_ENV.AMQP_URL);
    channel = await broker.createConfirmChannel();
  });

  afterAll(async () => {
    await broker?.close();
    await Promise.all([system?.stop(), second?.stop()]);
    await slowDatabase?.stop();
  });

  // Whether two batches meet at the same rentals at the same moment is up to the scheduler: three
  // trials make it near certain that, were rows locked in delivery order, one would deadlock.
  it.each([1, 2, 3])('apply crossing batches of the same rentals without a deadlock, every event once (trial %i)', async () => {
    const requested = (rentalId: string) =>
      publishEvent(channel, AllocationRequested, {
        rentalId,
        location: 'x',
        size: 'S',
        startDate: dayFromToday(10),
        endDate: dayFromToday(12),
      });
    const unavailable = (rentalId: string) => publishEvent(channel, StorageUnavailable, { rentalId, reason: 'none free' });
    // While both consumers are stopped: in each round, one prefetch's worth (20) of x-then-y events,
    // then 20 of y-then-x events for the same rentals. The consumers, started together, each take
    // one such run as their first batch: the same rentals in opposite orders.
    await Promise.all([system.app('view').stop(), second.stop()]);
    const pairs: [string, string][] = [];
    for (let round = 0; round < 5; round++) {
      const batch = Array.from({ length: 10 }, () => [randomUUID(), randomUUID()] as [string, string]);
      pairs.push(...batch);
      for (const [x, y] of batch) {
        requested(x);
        requested(y);
      }
      for (const [x, y] of batch) {
        unavailable(y);
        unavailable(x);
      }
    }
    await channel.waitForConfirms();

    const [first] = await Promise.all([system.restart('view', env), second.start().waitReady()]);
    const ids = pairs.flat();
    await eventually(
      async () =>
        (
          await queryPostgres<{ n: string }>('view', 'SELECT count(*) AS n FROM rental_view_event WHERE rental_id = ANY($1::uuid[])', [ids])
        )[0].n,
      (n) => Number(n) === 2 * ids.length,
      { message: 'not every event reached the history', timeoutMs: 60_000 },
    );
    const views = await queryPostgres<{ status: string }>('view', 'SELECT status FROM rental_view WHERE rental_id = ANY($1::uuid[])', [
      ids,
    ]);
    expect(views.filter((v) => v.status !== 'REJECTED')).toEqual([]);
    expect([first, second].flatMap((app) => app.output.filter((line) => /deadlock|messages failed/.test(line)))).toEqual([]);
    // Both consumers took part.
    expect([first, second].map((app) => app.output.some((line) => line.includes('Applied StorageUnavailable')))).toEqual([true, true]);
  });
});
