import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { StorageAssigned } from '@app/contracts';
import { queuesOf } from '@app/messaging';
import { connect } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { activeAssignments, assignmentsOf, countDoubleBookings, queryPostgres } from './e2e-databases';
import { E2E_ENV, E2E_VHOST, PORTS, SPARE_PORTS } from './e2e-env';
import { publishEvent } from './events';
import {
  AppProcess,
  TestSystem,
  dayFromToday,
  eventually,
  inPool,
  newCustomer,
  newLocation,
  request,
  setUpBrokerFor,
  sleep,
} from './harness';
import { requestHash } from '../apps/rental/src/rentals/rental';
import { RentalApi } from './rental-api';
import { RoundRobinProxy } from './round-robin-proxy';
import { ADMIN, asRentalFor } from './tokens';

/** A one-day S rental still waiting for manage's answer, as the rental app saves it before calling manage. */
function insertPendingRental(id: string, customerId: string, location: string, day: string) {
  return queryPostgres(
    'rental',
    `INSERT INTO rental (id, customer_id, phone, location, size, start_date, end_date, cost_cents, currency, status, request_hash)
     VALUES ($1, $2, '+4930123', $3, 'S', $4, $4, 150, 'EUR', 'PENDING', repeat('0', 64))`,
    [id, customerId, location, day],
  );
}

/** Short enough to see the breaker half-open and a PENDING rental abandoned within a test. */
const SYSTEM_ENV = { BREAKER_HALF_OPEN_AFTER_MS: '1000', ABANDON_PENDING_AFTER_MS: '2500' };

describe('fault isolation and no lost data', () => {
  let system: TestSystem;
  let api: RentalApi;

  beforeAll(async () => {
    system = await TestSystem.start({ env: SYSTEM_ENV });
    api = new RentalApi(system.gateway);
  });

  afterAll(() => system.stop());

  it('accepts applications while assign is down and confirms them once it is back', async () => {
    const location = newLocation();
    await api.addUnits(location, 'M', 3);
    await system.app('assign').stop();
    const applied = await Promise.all([1, 2, 3].map(() => api.apply({ location })));
    expect(applied.map((a) => a.status)).toEqual([201, 201, 201]);
    await sleep(500);
    for (const a of applied) expect((await api.view(a.body.id)).body.status).toBe('REQUESTED');

    await system.restart('assign');
    for (const a of applied) await api.viewWithStatus(a.body.id, 'CONFIRMED');
  });

  it('answers 503 fast while manage is down, opens the breaker, replays what it took before, and recovers by itself', async () => {
    const keptKey = randomUUID();
    const keptApplication = { customerId: newCustomer(), location: newLocation() };
    const kept = await api.apply(keptApplication, { 'idempotency-key': keptKey });
    expect(kept.status).toBe(201);
    await system.app('manage').stop();
    const answers: { answer: Awaited<ReturnType<RentalApi['apply']>>; ms: number }[] = [];
    for (let i = 0; i < 8; i++) {
      const started = Date.now();
      answers.push({ answer: await api.apply(), ms: Date.now() - started });
    }
    for (const { answer } of answers) {
      expect(answer.status).toBe(503);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const health = await request('GET', `${system.app('rental').url}/health`);
    expect(health.status).toBe(200);
    expect(health.body.details.manageCircuit.state).toBe('open');
    // With the circuit open, rental answers without calling manage or touching its database.
    expect(answers.at(-1)!.ms).toBeLessThan(50);
    // A retry of an application taken before the outage gets its rental, not the outage's 503.
    const replay = await api.apply(keptApplication, { 'idempotency-key': keptKey });
    expect([replay.status, replay.body.id]).toEqual([201, kept.body.id]);

    await system.restart('manage');
    const recovered = await eventually(
      () => api.apply(),
      (a) => a.status === 201,
      { timeoutMs: 15_000, intervalMs: 300 },
    );
    await api.viewWithStatus(recovered.body.id, 'CONFIRMED');
    expect((await request('GET', `${system.app('rental').url}/health`)).body.details.manageCircuit.state).toBe('closed');
  });

  it('fails fast when manage hangs under concurrent load, piles nothing up, and cleans up after itself', async () => {
    const location = newLocation();
    await api.addUnits(location, 'S', 5);
    const manage = system.app('manage');
    process.kill(manage.pid!, 'SIGSTOP'); // accepts connections, answers nothing: slower than any timeout
    const rentalLog = system.app('rental').output.length;
    let statuses: number[] = [];
    try {
      statuses = await inPool(200, 50, async () => (await api.apply({ location, size: 'S' })).status);
    } finally {
      process.kill(manage.pid!, 'SIGCONT');
    }
    expect(statuses.filter((status) => status !== 503)).toEqual([]);

    // Requests that did reach the frozen manage are handled when it wakes up; rental had abandoned
    // them, so manage must cancel those allocations: no unit stays held for a rental nobody has.
    await eventually(
      () => queryPostgres<{ status: string }>('manage', 'SELECT status FROM allocation WHERE location = $1', [location]),
      // The first wave of requests waited in frozen manage's socket buffers and became allocations: none may stay held.
      (rows) => rows.length > 0 && rows.every((r) => ['CANCELLED', 'RELEASED'].includes(r.status)),
      { timeoutMs: 30_000, message: 'abandoned allocations were not cancelled' },
    );
    // manage's allocation is cancelled before assign may even have seen the request, and manage
    // may still be reading requests that were buffered while it was frozen. Settled means: assign
    // has a row for every allocation manage recorded, holds no unit for any of them, and the count
    // of allocations stayed the same over the last three polls.
    const counts: number[] = [];
    await eventually(
      async () => {
        const allocated = await queryPostgres<{ rental_id: string }>('manage', 'SELECT rental_id FROM allocation WHERE location = $1', [
          location,
        ]);
        counts.push(allocated.length);
        return { allocated: allocated.length, atAssign: await assignmentsOf(allocated.map((a) => a.rental_id)) };
      },
      ({ allocated, atAssign }) =>
        allocated > 0 &&
        atAssign.length === allocated &&
        atAssign.every((a) => a.status !== 'ACTIVE') &&
        counts.length >= 3 &&
        counts.slice(-3).every((n) => n === allocated),
      { timeoutMs: 30_000, intervalMs: 500, message: 'assign still holds units for abandoned rentals' },
    );
    expect(await queryPostgres('rental', "SELECT id FROM rental WHERE location = $1 AND status NOT IN ('ABANDONED')", [location])).toEqual(
      [],
    );
    // What reached the frozen manage, counted by what it recorded once awake (not by how long
    // anyone waited, which depends on the machine): the first turns of the bulkhead (16, each tried
    // twice), then one trial call each time the breaker half-opened (also tried twice at most).
    // Everything else was refused by the open circuit without a call.
    const trials = system
      .app('rental')
      .output.slice(rentalLog)
      .filter((line) => line.includes('Circuit to manage half-open')).length;
    expect(counts.at(-1)).toBeLessThanOrEqual(2 * (16 + trials));
    expect(counts.at(-1)).toBeLessThan(statuses.length);

    const recovered = await eventually(
      () => api.apply({ location, size: 'S' }),
      (a) => a.status === 201,
      { timeoutMs: 15_000, intervalMs: 300 },
    );
    await api.viewWithStatus(recovered.body.id, 'CONFIRMED');
  });

  it('abandons an application left PENDING by a crash, and manage refuses its request if it comes late', async () => {
    // What a rental process killed between saving the rental and hearing from manage leaves behind.
    const rentalId = randomUUID();
    const location = newLocation();
    await insertPendingRental(rentalId, 'crashed', location, dayFromToday(3));
    await eventually(
      () => api.rental(rentalId),
      (a) => a.body.status === 'ABANDONED',
      { timeoutMs: 15_000 },
    );
    // manage heard RentalAbandoned and keeps a tombstone: the request, should it still arrive, is refused.
    await eventually(
      () => api.allocation(rentalId),
      (a) => a.body.status === 'CANCELLED',
    );
    const late = await request(
      'POST',
      `${system.app('manage').url}/allocations`,
      {
        rentalId,
        customerId: 'crashed',
        location,
        size: 'S',
        startDate: dayFromToday(3),
        endDate: dayFromToday(3),
      },
      asRentalFor('crashed'),
    );
    expect(late.status).toBe(409);
  });

  it('abandons a PENDING rental by the database’s clock, so a rental process whose clock runs ahead abandons nothing early', async () => {
    await system.restart('rental', {
      ...SYSTEM_ENV,
      NODE_OPTIONS: `--require ${join(__dirname, 'clock-ahead.cjs')}`,
      CLOCK_AHEAD_MS: '600000',
    });
    try {
      const rentalId = randomUUID();
      await insertPendingRental(rentalId, 'fresh', newLocation(), dayFromToday(3));
      await eventually(
        () => api.rental(rentalId),
        (a) => a.body.status === 'ABANDONED',
        { timeoutMs: 15_000 },
      );
      // Abandoned once ABANDON_PENDING_AFTER_MS (2.5 s) had passed by the database's clock, not at
      // the first sweep, when the app's clock already said ten minutes.
      const [{ pendingMs }] = await queryPostgres<{ pendingMs: number }>(
        'rental',
        'SELECT extract(epoch FROM updated_at - created_at) * 1000 AS "pendingMs" FROM rental WHERE id = $1',
        [rentalId],
      );
      expect(Number(pendingMs)).toBeGreaterThanOrEqual(2500);
    } finally {
      await system.restart('rental', SYSTEM_ENV);
    }
  });

  it('replays an application whose start date midnight has made past, instead of refusing it', async () => {
    // As if it had been taken yesterday for yesterday: the same body again must get that rental.
    const application = {
      customerId: newCustomer(),
      phone: '+49 30 1234567',
      location: newLocation(),
      size: 'M' as const,
      startDate: dayFromToday(-1),
      endDate: dayFromToday(-1),
    };
    const key = randomUUID();
    const id = randomUUID();
    await queryPostgres(
      'rental',
      `INSERT INTO rental (id, customer_id, phone, location, size, start_date, end_date, cost_cents, currency, status, idempotency_key, request_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $6, 250, 'EUR', 'REQUESTED', $7, $8)`,
      [
        id,
        application.customerId,
        application.phone,
        application.location,
        application.size,
        application.startDate,
        key,
        requestHash(application),
      ],
    );
    const replay = await api.apply(application, { 'idempotency-key': key });
    expect([replay.status, replay.body.id]).toEqual([201, id]);
    // Without the key it is a new application, and the past start date is refused.
    const fresh = await api.apply(application);
    expect(fresh.status).toBe(400);
  });

  it('keeps an application whose outcome arrives before manage’s answer, and tells the read model', async () => {
    const location = newLocation();
    await api.addUnits(location, 'S', 1);
    // The rental is still PENDING when the outcome arrives (rental has not yet heard manage's 201).
    const rentalId = randomUUID();
    await insertPendingRental(rentalId, 'overtaken', location, dayFromToday(4));
    const allocation = await request(
      'POST',
      `${system.app('manage').url}/allocations`,
      {
        rentalId,
        customerId: 'overtaken',
        location,
        size: 'S',
        startDate: dayFromToday(4),
        endDate: dayFromToday(4),
      },
      asRentalFor('overtaken'),
    );
    expect(allocation.status).toBe(201);
    await eventually(
      () => api.rental(rentalId),
      (a) => a.body.status === 'CONFIRMED',
    );
    const view = await api.viewWithStatus(rentalId, 'CONFIRMED');
    expect(view.customerId).toBe('overtaken');
    expect(view.history.filter((e: { type: string }) => e.type === 'RentalRequested')).toHaveLength(1);
  });

  it('applies every message exactly once when a consumer is killed mid-processing', async () => {
    const location = newLocation();
    await api.addUnits(location, 'M', 40);
    await system.app('assign').stop();
    const applied = await inPool(40, 10, () => api.apply({ location }));
    expect(applied.filter((a) => a.status !== 201)).toEqual([]);
    const ids = applied.map((a) => a.body.id);
    // assign starts on a full queue and is killed -9 while it works through it.
    const assign = new AppProcess('assign', system.app('assign').port, { AMQP_PREFETCH: '10' }).start();
    await eventually(
      async () => (await activeAssignments(location)).length,
      (n) => n >= 3,
      { intervalMs: 10 },
    );
    await assign.kill();
    expect((await activeAssignments(location)).length).toBeLessThan(40);

    await system.restart('assign');
    const views = await Promise.all(ids.map((id) => api.viewWithStatus(id, 'CONFIRMED', 60_000)));
    const units = views.map((v) => v.unitCode);
    expect(new Set(units).size).toBe(40);
    for (const view of views) {
      expect(view.history.filter((e: { type: string }) => e.type === 'StorageAssigned')).toHaveLength(1);
    }
    expect(await activeAssignments(location)).toHaveLength(40);
    expect(await countDoubleBookings()).toBe(0);
  });

  it('on SIGTERM turns readiness 503 at once, keeps serving while draining, then exits 0', async () => {
    const manage = await system.restart('manage', { SHUTDOWN_DRAIN_MS: '1500' });
    try {
      process.kill(manage.pid!, 'SIGTERM');
      await sleep(100);
      expect((await request('GET', `${manage.url}/health/ready`)).status).toBe(503);
      expect((await request('GET', `${manage.url}/health/live`)).status).toBe(200);
      expect((await request('GET', `${manage.url}/allocations/${randomUUID()}`, undefined, ADMIN)).status).toBe(404);
      expect(await manage.waitForExit()).toBe(0);
      const log = manage.output.join('\n');
      expect(log.indexOf('Awaiting 1500ms before shutdown')).toBeGreaterThan(-1);
      expect(log.indexOf('Stopped consuming')).toBeGreaterThan(log.indexOf('Awaiting 1500ms'));
    } finally {
      await system.restart('manage');
    }
  });

  it('loses no request when one of two rental instances is stopped under keep-alive load through the gateway', async () => {
    // The gateway reaches two rental processes as through a Service: new connections go to a ready
    // one, and its pooled keep-alive connections stay with whichever process they reached.
    const second = new AppProcess('rental', SPARE_PORTS[1], { RENTAL_PORT: String(SPARE_PORTS[1]) }).start();
    const service = await RoundRobinProxy.start(SPARE_PORTS[2], [PORTS.rental, second.port]);
    // A fixed number of answers before the signal, and as many after the stopped process exited.
    const AROUND = 100;
    let answered = 0;
    let stopped: Promise<number | null> | undefined;
    let exited = false;
    let afterExit = 0;
    try {
      await second.waitReady();
      const first = await system.restart('rental', { ...SYSTEM_ENV, SHUTDOWN_DRAIN_MS: '1000' });
      await system.restart('gateway', { ...SYSTEM_ENV, RENTAL_URL: service.url });
      const location = newLocation();
      await api.addUnits(location, 'S', 1);

      const statuses = await inPool(10, 10, async () => {
        const seen: number[] = [];
        while (afterExit < AROUND && seen.length < 1000) {
          const answer = await api.apply({ location, size: 'S', startDate: dayFromToday(5), endDate: dayFromToday(5) });
          seen.push(answer.status);
          answered += 1;
          if (exited) afterExit += 1;
          if (!stopped && answered >= AROUND) {
            stopped = first.stop('SIGTERM');
            void stopped.then(() => (exited = true));
          }
        }
        return seen;
      });
      expect(exited).toBe(true);
      expect(await stopped).toBe(0);
      expect(statuses.flat().filter((status) => status !== 201)).toEqual([]);
    } finally {
      await second.stop();
      await service.stop();
      await system.restart('rental', SYSTEM_ENV);
      await system.restart('gateway', SYSTEM_ENV);
    }
  });

  // Not execFileSync: the burst goes on while the broker is away and comes back.
  const run = promisify(execFile);
  /** Two ways the broker goes away: its application stopped gracefully, or its node killed outright. */
  const BROKER_RESTARTS: [string, () => Promise<void>][] = [
    [
      'stops gracefully (rabbitmqctl stop_app)',
      async () => {
        await run('rabbitmqctl', ['stop_app']);
        await sleep(2000);
        await run('rabbitmqctl', ['start_app']);
      },
    ],
    [
      'is killed outright (SIGKILL to its Erlang node)',
      async () => {
        await run('pkill', ['-KILL', '-u', 'rabbitmq', 'beam.smp']);
        await sleep(2000);
        // Starts the node again as this kind of machine does, and waits for its ports.
        await run('bash', ['scripts/ensure-services.sh']);
      },
    ],
  ];

  describe.each(BROKER_RESTARTS)('when RabbitMQ %s in the middle of a burst', (_how, restart) => {
    afterAll(() => execFileSync('bash', ['scripts/ensure-services.sh'], { stdio: 'pipe' }));

    it('loses no application, confirms exactly as many as there are units, and double-books none', async () => {
      const location = newLocation();
      await api.addUnits(location, 'M', 20);
      let restarted: Promise<void> | undefined;
      const answers = await inPool(200, 20, async (i) => {
        if (i === 60) restarted = restart();
        return api.apply({ location, startDate: dayFromToday(40), endDate: dayFromToday(45) });
      });
      await restarted;
      expect(answers.filter((a) => a.status !== 201).map((a) => a.status)).toEqual([]);

      const outcomes = await Promise.all(answers.map((a) => api.settledView(a.body.id, 120_000)));
      expect(outcomes.filter((v) => v.status === 'CONFIRMED')).toHaveLength(20);
      expect(outcomes.filter((v) => v.status === 'REJECTED')).toHaveLength(180);
      expect(await countDoubleBookings()).toBe(0);
    });
  });

  describe('when RabbitMQ is killed outright while retries wait in their queues', () => {
    afterAll(() => execFileSync('bash', ['scripts/ensure-services.sh'], { stdio: 'pipe' }));

    /** The ids of the messages in manage's dead-letter queue, each once, left in place. */
    async function deadLetterIds(): Promise<Set<string>> {
      const broker = await connect(E2E_ENV.AMQP_URL);
      try {
        const reader = await broker.createChannel();
        const ids = new Set<string>();
        for (let message = await reader.get(queuesOf('manage').dead); message; message = await reader.get(queuesOf('manage').dead)) {
          ids.add(message.properties.messageId as string);
        }
        reader.nackAll(true);
        await reader.close();
        return ids;
      } finally {
        await broker.close();
      }
    }

    it('loses none of them: each is retried until it is dead-lettered', async () => {
      // manage has no allocation for these rentals: each fails every attempt, waits in the
      // manage.retries.* queues between attempts (200 ms, doubling), and ends in manage.dead.
      const broker = await connect(E2E_ENV.AMQP_URL);
      const channel = await broker.createConfirmChannel();
      const sent = Array.from(
        { length: 30 },
        () => publishEvent(channel, StorageAssigned, { rentalId: randomUUID(), unitCode: 'GONE-1' }).id,
      );
      await channel.waitForConfirms();
      await broker.close();
      const manage = system.app('manage');
      await eventually(
        async () => sent.filter((id) => manage.output.some((line) => line.includes(id) && line.includes('failed (attempt 2 of 5)'))),
        (waiting) => waiting.length >= 10,
        { message: 'the messages did not reach their second wait' },
      );
      await run('pkill', ['-KILL', '-u', 'rabbitmq', 'beam.smp']);
      await sleep(2000);
      await run('bash', ['scripts/ensure-services.sh']);

      await eventually(
        async () => {
          const dead = await deadLetterIds();
          return sent.filter((id) => !dead.has(id));
        },
        (missing) => missing.length === 0,
        { timeoutMs: 60_000, message: 'retries were lost when the broker was killed' },
      );
    });
  });
});

describe('an event published before the broker has its topology', () => {
  const vhost = `storage-rental-e2e-fresh-${process.env.E2E_SLOT ?? 0}`;
  /** The e2e environment, on a vhost of its own: each app's broker URL moved there too. */
  const onFreshVhost = Object.fromEntries(
    Object.entries(E2E_ENV)
      .filter(([name]) => name.endsWith('AMQP_URL'))
      .map(([name, url]) => [name, url.replace(`/${E2E_VHOST}`, `/${vhost}`)]),
  );
  let system: TestSystem;

  beforeAll(() => {
    try {
      execFileSync('rabbitmqctl', ['delete_vhost', vhost], { stdio: 'pipe' });
    } catch {
      // not there yet: that is the point
    }
  }, 30_000);

  afterAll(async () => {
    await system?.stop();
    execFileSync('rabbitmqctl', ['delete_vhost', vhost], { stdio: 'pipe' });
  });

  it('waits in its outbox instead of being confirmed and dropped, and reaches a consumer that never ran once db:setup has run', async () => {
    // A brand-new broker: no exchange, no queue, no app user yet. The apps connect as the administrator until db:setup makes theirs.
    execFileSync('rabbitmqctl', ['add_vhost', vhost], { stdio: 'pipe' });
    execFileSync('rabbitmqctl', ['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*'], { stdio: 'pipe' });
    const env = { AMQP_URL: onFreshVhost.AMQP_URL };
    system = await TestSystem.start({ apps: ['gateway', 'rental', 'manage', 'view'], env });
    const api = new RentalApi(system.gateway);
    const location = newLocation();
    const applied = await api.apply({ location, size: 'S' });
    expect(applied.status).toBe(201);
    // manage's relay tried: the broker has no exchange yet and refused it, and the row stayed.
    await eventually(
      async () => system.app('manage').output.filter((line) => line.includes('The broker closed the publisher channel')),
      (lines) => lines.length >= 1,
      { message: 'manage did not try to publish AllocationRequested' },
    );

    await setUpBrokerFor(onFreshVhost);
    const units = new AppProcess('assign', SPARE_PORTS[2], {
      ...onFreshVhost,
      AMQP_URL: onFreshVhost.ASSIGN_AMQP_URL,
      ASSIGN_PORT: String(SPARE_PORTS[2]),
    });
    units.start();
    try {
      await units.waitReady();
      await request('POST', `${units.url}/storage-units`, { code: `${location}-S-1`, location, size: 'S' }, ADMIN);
      // The request may reach assign before the unit exists, so the answer may be "unavailable": what matters is that one came.
      const view = await api.settledView(applied.body.id);
      expect(['CONFIRMED', 'REJECTED']).toContain(view.status);
    } finally {
      await units.stop();
    }
  });
});

describe('when assign’s database goes away for a while', () => {
  let system: TestSystem;

  beforeAll(async () => {
    const env = { AMQP_MAX_ATTEMPTS: '2', AMQP_RETRY_DELAY_MS: '100' };
    await setUpBrokerFor(env);
    system = await TestSystem.start({ env });
  });

  afterAll(async () => {
    execFileSync('bash', ['scripts/ensure-services.sh'], { stdio: 'pipe' });
    await system.stop();
  });

  it('retries without using up attempts, so nothing is dead-lettered and every application settles', async () => {
    const api = new RentalApi(system.gateway);
    const location = newLocation();
    await api.addUnits(location, 'M', 5);
    execFileSync('start-stop-daemon', ['--stop', '--exec', '/usr/sbin/mariadbd', '--retry', '30'], { stdio: 'pipe' });
    let applied: Awaited<ReturnType<RentalApi['apply']>>[];
    try {
      applied = await Promise.all([1, 2, 3, 4, 5].map(() => api.apply({ location })));
      expect(applied.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
      await sleep(4000); // several failed deliveries each, with AMQP_MAX_ATTEMPTS at 2
    } finally {
      execFileSync('bash', ['scripts/ensure-services.sh'], { stdio: 'pipe' });
    }
    for (const a of applied) await api.viewWithStatus(a.body.id, 'CONFIRMED', 60_000);
    const metrics = await request('GET', `${system.app('assign').url}/metrics`);
    expect(metrics.body).toMatch(/^dead_letter_queue_depth\{app="assign"\} 0$/m);
    expect(system.app('assign').output.some((line) => line.includes('not counted: the database is unreachable'))).toBe(true);
  });
});
