import { AllocationCancelled, AllocationRequested } from '@app/contracts';
import { ChannelModel, ConfirmChannel, connect } from 'amqplib';
import { createConnection } from 'mysql2/promise';
import { randomUUID } from 'node:crypto';
import { assignmentsOf, countDoubleBookings, innodbDeadlocks } from './e2e-databases';
import { E2E_DATABASES, E2E_ENV, SPARE_PORTS } from './e2e-env';
import { publishEvent } from './events';
import { FaultProxy } from './fault-proxy';
import { Answer, AppProcess, TestSystem, dayFromToday, eventually, inPool, newLocation, sleep } from './harness';
import { RentalApi } from './rental-api';

/** What a consumer logs when a batch or a message alone fails, a deadlock included. */
const CONSUMER_FAILURE = /messages failed|Allocation\w+ \S+ failed/;

/**
 * Two assign replicas, each applying several batches at once (small batches, so that many are in
 * flight), behind a proxy that holds each statement 5 ms so that transactions overlap for sure.
 */
describe('assignment with two assign replicas and batches in flight', () => {
  let system: TestSystem;
  let second: AppProcess;
  let slowDatabase: FaultProxy;
  let api: RentalApi;
  let broker: ChannelModel;
  let channel: ConfirmChannel;
  let env: Record<string, string>;

  const startBoth = async () => {
    await second?.stop();
    second = new AppProcess('assign', SPARE_PORTS[3], { ...env, ASSIGN_PORT: String(SPARE_PORTS[3]) }).start();
    const [first] = await Promise.all([system.restart('assign', env), second.waitReady()]);
    return [first, second];
  };
  const stopBoth = () => Promise.all([system.app('assign').stop(), second?.stop()]);
  const linesOf = (apps: AppProcess[], pattern: RegExp) => apps.flatMap((app) => app.output.filter((line) => pattern.test(line)));

  beforeAll(async () => {
    slowDatabase = await new FaultProxy(SPARE_PORTS[4], { host: '127.0.0.1', port: 3306 }, undefined, 5).start();
    env = {
      ASSIGN_DATABASE_URL: E2E_DATABASES.assign.replace(':3306/', `:${SPARE_PORTS[4]}/`),
      AMQP_PREFETCH: '12',
      AMQP_BATCH_SIZE: '4',
      AMQP_BATCHES_IN_FLIGHT: '3',
    };
    system = await TestSystem.start({ env });
    api = new RentalApi(system.gateway);
    broker = await connect(E2E_ENV.AMQP_URL);
    channel = await broker.createConfirmChannel();
  });

  afterAll(async () => {
    await broker?.close();
    await Promise.all([system?.stop(), second?.stop()]);
    await slowDatabase?.stop();
  });

  // Whether two batches take the two units in opposite orders is up to the scheduler: three trials
  // make it likely that, were batches to wait for unit locks, one would deadlock.
  it.each([1, 2, 3])(
    'gives each size’s last unit to exactly one of many applications at once, rejects the rest, and never deadlocks (trial %i)',
    async () => {
      // One S and one M unit: batches that mix both sizes would lock them in opposite orders if they waited.
      const location = newLocation();
      await api.addUnits(location, 'S', 1);
      await api.addUnits(location, 'M', 1);
      const day = dayFromToday(30);
      const deadlocksBefore = await innodbDeadlocks();
      // Both replicas subscribe, then are frozen while the applications come: the broker hands each
      // its prefetch (12), so that on waking both start three full batches at once.
      const replicas = await startBoth();
      for (const replica of replicas) process.kill(replica.pid!, 'SIGSTOP');
      let answers: Answer[] = [];
      try {
        const sizes = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 'S' : 'M'));
        answers = await inPool(40, 40, (i) => api.apply({ location, size: sizes[i], startDate: day, endDate: day }));
        await sleep(500); // manage's relay publishes them
      } finally {
        for (const replica of replicas) process.kill(replica.pid!, 'SIGCONT');
      }
      expect(answers.filter((a) => a.status !== 201)).toEqual([]);

      const views = await Promise.all(answers.map((a) => api.settledView(a.body.id, 60_000)));
      for (const size of ['S', 'M']) {
        const ofSize = views.filter((v) => v.size === size);
        expect(ofSize.filter((v) => v.status === 'CONFIRMED')).toHaveLength(1);
        expect(ofSize.filter((v) => v.status === 'REJECTED')).toHaveLength(19);
      }
      expect(await countDoubleBookings()).toBe(0);
      // No consumer failed, and no deadlock involved a unit or an assignment. The outbox relays of
      // two replicas can still deadlock with each other over outbox rows (a known defect of the
      // relay's lock order on MariaDB, noted on issue 14); the database resolves it and the relay
      // tries again.
      expect(linesOf(replicas, CONSUMER_FAILURE)).toEqual([]);
      const deadlocks = await innodbDeadlocks();
      if (deadlocks.count > deadlocksBefore.count) expect(deadlocks.latestTables).toEqual(['outbox_message']);
      // Both replicas applied some of them.
      expect(replicas.map((app) => app.output.some((line) => line.includes('Applied AllocationRequested')))).toEqual([true, true]);
    },
  );

  it('does not reject an application in a batch while its only free unit is locked by a transaction that then lets go', async () => {
    const location = newLocation();
    await api.addUnits(location, 'L', 1);
    await stopBoth();
    // Another transaction holds the unit's lock without booking it.
    const holder = await createConnection(E2E_DATABASES.assign);
    try {
      await holder.query('START TRANSACTION');
      await holder.query('SELECT id FROM storage_unit WHERE location = ? FOR UPDATE', [location]);
      // Queued while assign is down, so that they reach it together, as one batch.
      const answers = await Promise.all([
        api.apply({ location, size: 'L' }),
        ...Array.from({ length: 3 }, () => api.apply({ location: newLocation(), size: 'S' })),
      ]);
      expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201]);
      const assign = await system.restart('assign', env);
      await eventually(
        async () => assign.output.some((line) => line.includes('met a lock held elsewhere')),
        (met) => met,
        { message: 'the batch did not meet the held lock' },
      );
      // Alone, it meets the lock again and is applied once more in a fresh transaction that waits.
      await eventually(
        async () => assign.output.some((line) => line.includes('applying it again, waiting for locks')),
        (met) => met,
        { message: 'the application alone did not go on to wait for the lock' },
      );
      expect((await api.view(answers[0].body.id)).body.status).not.toBe('REJECTED');
      await holder.query('ROLLBACK');
      expect((await api.settledView(answers[0].body.id)).status).toBe('CONFIRMED');
      // Not retried, not failed: the waiting transaction got the unit.
      expect(linesOf([assign], CONSUMER_FAILURE)).toEqual([]);
    } finally {
      await holder.end();
    }
  });

  it('confirms an application at once while every unit but one is locked by a transaction that holds on', async () => {
    // Issue 15: the random-order search skips locked units and finds the free one; it neither waits
    // for a lock nor gives up because it skipped some.
    const location = newLocation();
    await api.addUnits(location, 'XL', 12);
    const holder = await createConnection(E2E_DATABASES.assign);
    try {
      // By primary key and in READ COMMITTED, so that exactly these rows are locked (no gap or scan locks).
      const [units] = await holder.query('SELECT id, code FROM storage_unit WHERE location = ? ORDER BY id LIMIT 11', [location]);
      const held = units as { id: number; code: string }[];
      await holder.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await holder.query('START TRANSACTION');
      await holder.query('SELECT id FROM storage_unit WHERE id IN (?) FOR UPDATE', [held.map((unit) => unit.id)]);
      const lockedCodes = held.map((unit) => unit.code);
      const answer = await api.apply({ location, size: 'XL' });
      expect(answer.status).toBe(201);
      const view = await api.settledView(answer.body.id);
      expect([view.status, lockedCodes.includes(view.unitCode)]).toEqual(['CONFIRMED', false]);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });

  it('applies one rental’s events in the order they came, though several batches run at once', async () => {
    // Each rental's request, then its cancel, published back to back: applied in that order, the
    // unit is taken and given back (RELEASED); the other way round, the cancel leaves a tombstone
    // and the request takes nothing (CANCELLED).
    await stopBoth();
    await system.restart('assign', env);
    const location = newLocation();
    await api.addUnits(location, 'M', 40);
    const rentals = Array.from({ length: 40 }, () => randomUUID());
    for (const rentalId of rentals) {
      const period = { startDate: dayFromToday(40), endDate: dayFromToday(41) };
      publishEvent(channel, AllocationRequested, { rentalId, location, size: 'M', ...period });
      publishEvent(channel, AllocationCancelled, { rentalId });
    }
    await channel.waitForConfirms();

    const assignments = await eventually(
      () => assignmentsOf(rentals),
      (rows) => rows.length === rentals.length && rows.every((r) => r.status !== 'ACTIVE'),
      { timeoutMs: 60_000, message: 'not every rental was assigned and released' },
    );
    expect(assignments.filter((a) => a.status !== 'RELEASED')).toEqual([]);
    expect(linesOf([system.app('assign')], CONSUMER_FAILURE)).toEqual([]);
  });
});
