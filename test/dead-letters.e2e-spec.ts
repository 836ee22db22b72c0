import { ChannelModel, ConfirmChannel, MessagePropertyHeaders, Options, connect } from 'amqplib';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ATTEMPT_HEADER, DEAD_LETTER_REASON_HEADER, ORIGINAL_ROUTING_KEY_HEADER, retryQueuesOf } from '../libs/messaging/src/queues';
import { checkQueueAlone } from '../libs/messaging/src/broker-connection';
import { E2E_DATABASES, E2E_ENV } from './e2e-env';
import { EXCHANGE, envelope } from './events';
import { sample } from '../bench/lib/prometheus';
import { TestSystem, dayFromToday, emptyQueues, eventually, newCustomer, newLocation, request, setUpBrokerFor } from './harness';
import { RentalApi } from './rental-api';
import { ADMIN, asRentalFor } from './tokens';

/** Few, fast attempts, so that a failing handler reaches the dead-letter queue within a second; one batch at a time, so that a test can hold it. */
const ENV = { AMQP_MAX_ATTEMPTS: '2', AMQP_RETRY_DELAY_MS: '100', AMQP_BATCHES_IN_FLIGHT: '1' };

interface Letter {
  messageId?: string;
  headers: MessagePropertyHeaders;
  body: string;
}

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The operator command, the way an operator runs it, against the e2e vhost. */
function deadLetters(...args: string[]): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'dead-letters', '--', ...args],
      { env: { ...process.env, ...E2E_ENV } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function lineWith(output: string, text: string): string | undefined {
  return output.split('\n').find((line) => line.includes(text));
}

describe('poison messages, retries and dead letters', () => {
  let system: TestSystem;
  let api: RentalApi;
  let broker: ChannelModel;
  let channel: ConfirmChannel;

  /** Publishes to the exchange like an app's relay does, and waits for the broker's confirm. */
  async function publish(routingKey: string, body: string | object, options: Options.Publish = {}): Promise<void> {
    const content = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const meta = typeof body === 'string' ? {} : { messageId: (body as { id: string }).id, type: (body as { type: string }).type };
    channel.publish(EXCHANGE, routingKey, content, { persistent: true, contentType: 'application/json', ...meta, ...options });
    await channel.waitForConfirms();
  }

  /** Everything in a queue, in order, left in place: taken unacknowledged, then all requeued. */
  async function peek(queue: string): Promise<Letter[]> {
    const reader = await broker.createChannel();
    const letters: Letter[] = [];
    try {
      for (let message = await reader.get(queue); message; message = await reader.get(queue)) {
        letters.push({
          messageId: message.properties.messageId,
          headers: message.properties.headers ?? {},
          body: message.content.toString(),
        });
      }
    } finally {
      reader.nackAll(true);
      await reader.close();
    }
    return letters;
  }

  /** What peek finds, or nothing while the queue does not exist (a check that finds none closes its channel). */
  async function peekIfAny(queue: string): Promise<Letter[]> {
    return (await checkQueueAlone(broker, queue)) ? peek(queue) : [];
  }

  function linesOf(app: 'manage' | 'view', ...texts: string[]): string[] {
    return system.app(app).output.filter((line) => texts.every((text) => line.includes(text)));
  }

  beforeAll(async () => {
    await setUpBrokerFor(ENV);
    // These tests assert on every batch failure manage logs: nothing another suite left may reach it.
    await emptyQueues();
    system = await TestSystem.start({ env: ENV });
    api = new RentalApi(system.gateway);
    broker = await connect(E2E_ENV.AMQP_URL);
    channel = await broker.createConfirmChannel();
    // One rental end to end: every consumer is bound and running before we publish by hand.
    const applied = await api.apply();
    await api.viewWithStatus(applied.body.id, 'CONFIRMED');
  });

  afterAll(async () => {
    await broker?.close();
    await system?.stop();
  });

  it('dead-letters a body that is not JSON, an invalid payload and an unknown version at once, and keeps consuming', async () => {
    const notJson = randomUUID();
    const invalid = envelope('StorageAssigned', 1, { rentalId: 'not-a-uuid', unitCode: 'X-1' });
    const unknownVersion = envelope('StorageAssigned', 9, { rentalId: randomUUID(), unitCode: 'X-1' });
    await publish('storage.assigned.v1', '{"id": "this is not JSON', { messageId: notJson, type: 'StorageAssigned' });
    await publish('storage.assigned.v1', invalid);
    await publish('storage.assigned.v1', unknownVersion);
    const ids: string[] = [notJson, invalid.id, unknownVersion.id];

    // rental, manage and view all bind storage.assigned.v1: each gets its own copy, and dead-letters it.
    for (const app of ['rental', 'manage', 'view']) {
      const letters = await eventually(
        () => peek(`${app}.dead`),
        (all) => ids.every((id) => all.some((l) => l.messageId === id)),
        { message: `${app}.dead did not receive all three poison messages` },
      );
      const ours = letters.filter((l) => ids.includes(l.messageId!));
      expect(ours).toHaveLength(3);
      const byId = (id: string) => ours.find((l) => l.messageId === id)!;
      expect(byId(notJson).body).toBe('{"id": "this is not JSON');

      // Valid JSON of a known type: our consumer copied it, naming the field at fault.
      expect(byId(invalid.id).headers).toEqual(
        expect.objectContaining({
          [DEAD_LETTER_REASON_HEADER]: 'invalid StorageAssigned: rentalId must be a UUID',
          [ORIGINAL_ROUTING_KEY_HEADER]: 'storage.assigned.v1',
        }),
      );
      expect(byId(invalid.id).headers[ATTEMPT_HEADER]).toBeUndefined();

      // No handler for it (not JSON, or v9): Nest rejected it and the queue dead-lettered it, once.
      for (const id of [notJson, unknownVersion.id]) {
        expect(byId(id).headers[DEAD_LETTER_REASON_HEADER]).toBeUndefined();
        expect(byId(id).headers['x-death']).toEqual([
          expect.objectContaining({ reason: 'rejected', queue: `${app}.events`, count: 1, 'routing-keys': ['storage.assigned.v1'] }),
        ]);
      }
      expect((await channel.checkQueue(`${app}.dead`)).messageCount).toBe(letters.length);
    }
    // assign does not bind that key, so it never saw them.
    expect((await peek('assign.dead')).filter((l) => ids.includes(l.messageId!))).toEqual([]);

    // The operator's list shows each one with its reason, and leaves every letter where it was.
    const before = await peek('rental.dead');
    const listed = await deadLetters('list', 'rental');
    expect(listed).toEqual(expect.objectContaining({ code: 0 }));
    const lines = listed.stdout.trim().split('\n');
    expect(lines).toHaveLength(before.length + 1);
    expect(lines.at(-1)).toBe(`${before.length} dead letter(s) in rental.dead`);
    expect(lineWith(listed.stdout, invalid.id)).toBe(
      `id=${invalid.id} type=StorageAssigned(v1) key=storage.assigned.v1 count=1 reason=invalid StorageAssigned: rentalId must be a UUID`,
    );
    expect(lineWith(listed.stdout, unknownVersion.id)).toBe(
      `id=${unknownVersion.id} type=StorageAssigned(v9) key=storage.assigned.v1 count=1 ` +
        'reason=rejected by rental.events (no handler: not JSON, or an unknown type or version)',
    );
    expect(lineWith(listed.stdout, notJson)).toContain(
      `id=${notJson} type=StorageAssigned, not a JSON envelope key=storage.assigned.v1 count=1`,
    );
    const after = await peek('rental.dead');
    expect(after.map((l) => l.messageId)).toEqual(before.map((l) => l.messageId));

    // The consumers kept going: a normal application still goes all the way.
    const applied = await api.apply();
    expect(applied.status).toBe(201);
    await api.viewWithStatus(applied.body.id, 'CONFIRMED');
    // rental's own state follows the view's (each consumes StorageAssigned on its own).
    await eventually(
      () => api.rental(applied.body.id),
      (a) => a.body.status === 'CONFIRMED',
    );
  });

  it('dead-letters a handler that keeps failing after bounded retries, and re-drives it once it can succeed', async () => {
    const rentalId = randomUUID();
    const assigned = envelope('StorageAssigned', 1, { rentalId, unitCode: 'X-1' });
    const reason = `StorageAssigned failed 2 times, last: No allocation for rental ${rentalId} yet`;
    // With assign stopped, the allocation we create below stays REQUESTED: no real outcome races
    // the re-driven StorageAssigned.
    await system.app('assign').stop();
    try {
      // manage has no allocation for this rental yet, so its handler throws on every attempt.
      await publish('storage.assigned.v1', assigned);
      const letter = await eventually(async () => (await peek('manage.dead')).find((l) => l.messageId === assigned.id), Boolean, {
        message: 'the failing message did not reach manage.dead',
      });
      expect(letter!.headers).toEqual(expect.objectContaining({ [DEAD_LETTER_REASON_HEADER]: reason, [ATTEMPT_HEADER]: 2 }));
      expect(JSON.parse(letter!.body)).toEqual(assigned);
      // Two attempts, as configured: one retry, then the dead-letter queue.
      expect(linesOf('manage', assigned.id, 'failed (attempt 1 of 2), retry in 100 ms')).toHaveLength(1);
      expect(linesOf('manage', 'Dead-lettered message', assigned.id)).toHaveLength(1);

      const listed = await deadLetters('list', 'manage');
      expect(listed.code).toBe(0);
      expect(lineWith(listed.stdout, assigned.id)).toMatch(
        new RegExp(`^id=${assigned.id} type=StorageAssigned\\(v1\\) key=storage\\.assigned\\.v1 count=2 reason=${escape(reason)}$`),
      );

      // Re-driven while the cause persists, it gets a fresh set of attempts (x-attempt removed)
      // and ends in manage.dead again.
      const early = await deadLetters('redrive', 'manage', '--id', assigned.id);
      expect(early.code).toBe(0);
      expect(early.stdout).toMatch(/^Re-drove 1 of \d+ dead letter\(s\) from manage\.dead to manage\.events; \d+ left in manage\.dead$/m);
      await eventually(
        async () => linesOf('manage', 'Dead-lettered message', assigned.id).length,
        (n) => n === 2,
        {
          message: 'the re-driven message was not dead-lettered again',
        },
      );
      expect(linesOf('manage', assigned.id, 'failed (attempt 1 of 2), retry in 100 ms')).toHaveLength(2);
      const again = (await peek('manage.dead')).filter((l) => l.messageId === assigned.id);
      expect(again).toHaveLength(1);
      expect(again[0].headers).toEqual(expect.objectContaining({ [DEAD_LETTER_REASON_HEADER]: reason, [ATTEMPT_HEADER]: 2 }));

      // Now give manage what it was missing, and re-drive.
      const created = await request(
        'POST',
        `${system.app('manage').url}/allocations`,
        { rentalId, customerId: newCustomer(), location: newLocation(), size: 'S', startDate: dayFromToday(5), endDate: dayFromToday(6) },
        asRentalFor('e2e-admin', 'admin'),
      );
      expect(created.status).toBe(201);
      expect(created.body.status).toBe('REQUESTED');

      const redriven = await deadLetters('redrive', 'manage', '--id', assigned.id);
      expect(redriven.code).toBe(0);
      expect(redriven.stdout).toContain(`re-drove id=${assigned.id} type=StorageAssigned(v1)`);
      expect(redriven.stdout).toMatch(
        /^Re-drove 1 of \d+ dead letter\(s\) from manage\.dead to manage\.events; \d+ left in manage\.dead$/m,
      );

      const allocation = await eventually(
        () => request('GET', `${system.app('manage').url}/allocations/${rentalId}`, undefined, ADMIN),
        (a) => a.body.status === 'ASSIGNED',
        { message: 'the re-driven StorageAssigned was not applied' },
      );
      expect(allocation.body.unitCode).toBe('X-1');
      expect((await peek('manage.dead')).filter((l) => l.messageId === assigned.id)).toEqual([]);
      // Only manage's copy moved: rental has no such rental either, and its dead letter stays.
      expect((await peek('rental.dead')).filter((l) => l.messageId === assigned.id)).toHaveLength(1);
    } finally {
      await system.restart('assign', ENV);
    }
  });

  it('applies a message published twice only once, and logs the skipped duplicate', async () => {
    const location = newLocation();
    await api.addUnits(location, 'S', 1);
    const customerId = newCustomer();
    const applied = await api.apply({ customerId, location, size: 'S' });
    await api.viewWithStatus(applied.body.id, 'CONFIRMED');

    const cancelled = envelope('RentalCancelled', 1, { rentalId: applied.body.id, customerId });
    await publish('rental.cancelled.v1', cancelled);
    await publish('rental.cancelled.v1', cancelled);

    // manage and view each apply it once and skip the twin.
    for (const app of ['manage', 'view'] as const) {
      await eventually(
        async () => linesOf(app, 'Skipped a duplicate', cancelled.id).length,
        (n) => n === 1,
        {
          message: `${app} did not log skipping the duplicate`,
        },
      );
    }
    // The effect, once: manage cancelled the allocation and told assign, which freed the unit.
    await eventually(
      () => api.allocation(applied.body.id),
      (a) => a.body.status === 'RELEASED',
    );
    const view = await eventually(
      () => api.view(applied.body.id),
      (a) => a.body.history.some((e: { type: string }) => e.type === 'StorageReleased'),
    );
    expect(view.body.status).toBe('CANCELLED');
    const types = view.body.history.map((e: { type: string }) => e.type);
    for (const type of ['RentalCancelled', 'AllocationCancelled', 'StorageReleased']) {
      expect(types.filter((t: string) => t === type)).toEqual([type]);
    }
    const notices = await eventually(
      () => api.notifications(customerId),
      (a) => a.body.total === 2,
    );
    expect(notices.body.items.map((n: { kind: string }) => n.kind)).toEqual(['CANCELLED', 'CONFIRMED']);
    // The twin was acknowledged as a duplicate, not failed into the dead-letter queue.
    for (const app of ['manage', 'view']) {
      expect((await peek(`${app}.dead`)).filter((l) => l.messageId === cancelled.id)).toEqual([]);
    }
    // The unit is free again.
    const next = await api.apply({ location, size: 'S' });
    await api.viewWithStatus(next.body.id, 'CONFIRMED');
  });

  /** Confirmed rentals of one new customer, each on a unit of its own. */
  async function confirmedRentals(count: number): Promise<{ customerId: string; ids: string[] }> {
    const location = newLocation();
    await api.addUnits(location, 'S', count);
    const customerId = newCustomer();
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const applied = await api.apply({ customerId, location, size: 'S' });
      await api.viewWithStatus(applied.body.id, 'CONFIRMED');
      // manage has its own copy of the outcome to apply: with it done, manage holds nothing of this rental.
      await eventually(
        () => api.allocation(applied.body.id),
        (a) => a.body.status === 'ASSIGNED',
      );
      ids.push(applied.body.id);
    }
    return { customerId, ids };
  }

  /**
   * Delivers these messages to manage in one batch, whatever the network does: a rental's row is
   * locked here so that manage's only batch slot waits on it, the messages arrive meanwhile, and
   * once manage holds them all the lock is let go and they are taken together.
   */
  async function deliverTogether(...messages: [string, object][]): Promise<void> {
    const { customerId, ids } = await confirmedRentals(1);
    const lock = new Client({ connectionString: E2E_DATABASES.manage });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('SELECT 1 FROM allocation WHERE rental_id = $1 FOR UPDATE', [ids[0]]);
      await publish('rental.cancelled.v1', envelope('RentalCancelled', 1, { rentalId: ids[0], customerId }));
      await eventually(manageMetrics, (text) => sample(text, 'events_in_hand') === 1);
      for (const [routingKey, body] of messages) await publish(routingKey, body);
      await eventually(manageMetrics, (text) => sample(text, 'events_in_hand') === 1 + messages.length);
    } finally {
      await lock.query('ROLLBACK');
      await lock.end();
    }
  }

  const manageMetrics = async () => (await request('GET', `${system.app('manage').url}/metrics`)).body as string;

  /** manage's counters that these tests follow: they change by what one test did, whatever ran before. */
  async function manageCounts() {
    const text = await manageMetrics();
    const bucket = (le: string) => sample(text, 'events_batch_size_bucket', { le }) ?? 0;
    return {
      applied: sample(text, 'events_consumed_total', { type: 'RentalCancelled', outcome: 'applied' }) ?? 0,
      duplicate: sample(text, 'events_consumed_total', { type: 'RentalCancelled', outcome: 'duplicate' }) ?? 0,
      batchesOfThreeToFive: bucket('5') - bucket('2'),
    };
  }

  it('applies copies of one message inside one batch once: one applied, the others duplicates, the batch committed', async () => {
    const { customerId, ids } = await confirmedRentals(1);
    const cancelled = envelope('RentalCancelled', 1, { rentalId: ids[0], customerId });
    const before = await manageCounts();
    await deliverTogether(['rental.cancelled.v1', cancelled], ['rental.cancelled.v1', cancelled], ['rental.cancelled.v1', cancelled]);

    await eventually(
      () => api.allocation(ids[0]),
      (a) => a.body.status === 'RELEASED',
    );
    // The held rental's cancellation alone, then the three copies in one batch that did not fail
    // (nothing else here comes three at a time: each cancellation brings back one StorageReleased).
    const after = await eventually(manageCounts, (c) => c.applied + c.duplicate === before.applied + before.duplicate + 4);
    expect(after.applied - before.applied).toBe(2);
    expect(after.duplicate - before.duplicate).toBe(2);
    expect(after.batchesOfThreeToFive - before.batchesOfThreeToFive).toBe(1);
    expect(linesOf('manage', 'messages failed')).toEqual([]);
  });

  it('retries a failing message of a batch alone and applies the others of it', async () => {
    const { customerId, ids } = await confirmedRentals(2);
    const unknown = envelope('StorageAssigned', 1, { rentalId: randomUUID(), unitCode: 'X-9' });
    const before = await manageCounts();
    await deliverTogether(
      ['rental.cancelled.v1', envelope('RentalCancelled', 1, { rentalId: ids[0], customerId })],
      ['storage.assigned.v1', unknown],
      ['rental.cancelled.v1', envelope('RentalCancelled', 1, { rentalId: ids[1], customerId })],
    );

    for (const id of ids) {
      await eventually(
        () => api.allocation(id),
        (a) => a.body.status === 'RELEASED',
      );
    }
    await eventually(
      async () => (await peek('manage.dead')).filter((l) => l.messageId === unknown.id).length,
      (n) => n === 1,
      { message: 'the failing message did not reach manage.dead' },
    );
    expect(linesOf('manage', 'A batch of 3 messages failed')).toHaveLength(1);
    // The held rental's and the batch's two cancellations, each applied once.
    expect((await manageCounts()).applied - before.applied).toBe(3);
  });

  it('brings a short retry back while a long one still waits: one retry queue per delay', async () => {
    // 500 ms, doubling over nine attempts: the eighth failure waits the longest, a minute.
    const retry = { firstDelayMs: 500, maxAttempts: 9 };
    // New settings, new retry queues: db:setup declares them, as on every deploy.
    await setUpBrokerFor({ AMQP_RETRY_DELAY_MS: String(retry.firstDelayMs), AMQP_MAX_ATTEMPTS: String(retry.maxAttempts) });
    await system.restart('manage', {
      ...ENV,
      AMQP_RETRY_DELAY_MS: String(retry.firstDelayMs),
      AMQP_MAX_ATTEMPTS: String(retry.maxAttempts),
    });
    // manage has no allocation for either rental, so its handler fails them on every attempt.
    const long = envelope('StorageAssigned', 1, { rentalId: randomUUID(), unitCode: 'X-1' });
    const short = envelope('StorageAssigned', 1, { rentalId: randomUUID(), unitCode: 'X-2' });
    try {
      await publish('storage.assigned.v1', long, { headers: { [ATTEMPT_HEADER]: 8 } });
      await eventually(
        async () => linesOf('manage', long.id, 'failed (attempt 8 of 9), retry in 60000 ms'),
        (lines) => lines.length === 1,
      );
      await publish('storage.assigned.v1', short);
      // Back from its half second and failed again, long before the first one's minute is up.
      await eventually(
        async () => linesOf('manage', short.id, 'failed (attempt 2 of 9), retry in 1000 ms'),
        (lines) => lines.length === 1,
        { timeoutMs: 20_000, message: 'the short retry waited behind the long one' },
      );
      expect(linesOf('manage', long.id, 'attempt 9')).toEqual([]);
    } finally {
      // Neither message is needed any more: empty the queues they wait in, and give manage back its settings.
      await system.app('manage').stop();
      for (const { queue } of retryQueuesOf('manage', retry)) await channel.purgeQueue(queue);
      await system.restart('manage', ENV);
    }
  });

  it('loses no retry when its queue and the dead-letter queue were deleted and /metrics was scraped, and keeps publishing', async () => {
    await api.viewWithStatus((await api.apply()).body.id, 'CONFIRMED');
    // ENV: 100 ms for the first retry, two attempts.
    const retryQueue = retryQueuesOf('manage', { firstDelayMs: 100, maxAttempts: 2 })[0].queue;
    await channel.deleteQueue(retryQueue);
    await channel.deleteQueue('manage.dead');
    // A scrape checks the dead-letter queue's depth: it finds none, and must not break publishing.
    // prom-client writes NaN as Nan.
    expect(await manageMetrics()).toMatch(/^dead_letter_queue_depth{app="manage"} Nan$/m);

    // manage has no allocation for this rental: its handler fails, and the message is moved for a retry.
    const failing = envelope('StorageAssigned', 1, { rentalId: randomUUID(), unitCode: 'X-3' });
    await publish('storage.assigned.v1', failing);
    // manage cannot declare them (its broker user may not): it keeps the message and says so.
    await eventually(
      async () => linesOf('manage', `The broker returned message ${failing.id}`),
      (lines) => lines.length >= 1,
      { message: 'the move to the missing retry queue was not refused' },
    );
    expect(await peekIfAny('manage.dead')).toEqual([]);
    await setUpBrokerFor(ENV);
    await eventually(
      async () => (await peekIfAny('manage.dead')).filter((l) => l.messageId === failing.id).length,
      (n) => n === 1,
      { message: 'the failing message was lost instead of retried and dead-lettered' },
    );
    // The move that found no queue came back and the original stayed, so the first attempt ran
    // again, and again, until db:setup declared the queues anew; then the second attempt dead-lettered it.
    expect(
      linesOf(
        'manage',
        `The broker returned message ${failing.id}: queue ${retryQueue} does not exist; run db:setup to declare the topology again`,
      ).length,
    ).toBeGreaterThanOrEqual(1);
    expect(linesOf('manage', failing.id, 'failed (attempt 1 of 2)').length).toBeGreaterThanOrEqual(2);
    expect(linesOf('manage', 'Dead-lettered message', failing.id)).toHaveLength(1);

    // manage still publishes: an application goes all the way.
    const applied = await api.apply();
    await api.viewWithStatus(applied.body.id, 'CONFIRMED');
  });

  it('publishes again once db:setup has declared the exchange deleted under it: nothing written meanwhile is lost', async () => {
    await api.viewWithStatus((await api.apply()).body.id, 'CONFIRMED');
    // Its bindings go with it. The next publish to it makes the broker close that app's channel.
    await channel.deleteExchange(EXCHANGE);
    const applied = await api.apply();
    expect(applied.status).toBe(201);
    await eventually(
      async () => linesOf('manage', 'The broker closed the publisher channel', 'reconnecting'),
      (lines) => lines.length >= 1,
    );
    // The apps may not declare the exchange: the events wait in their outboxes until db:setup does.
    await setUpBrokerFor(ENV);
    await api.viewWithStatus(applied.body.id, 'CONFIRMED');
  });

  it('refuses an unknown app and an unreachable broker with one clear line and a non-zero exit', async () => {
    const unknownApp = await deadLetters('list', 'gateway');
    expect(unknownApp.code).not.toBe(0);
    expect(unknownApp.stdout).toBe('');
    expect(lineWith(unknownApp.stderr, 'dead-letters:')).toContain('unknown app "gateway"');

    const unknownId = await deadLetters('redrive', 'manage', '--id', randomUUID());
    expect(unknownId.code).not.toBe(0);
    expect(lineWith(unknownId.stderr, 'dead-letters:')).toContain('no dead letter with id');

    const noBroker = await new Promise<CommandResult>((resolve) => {
      execFile(
        'npm',
        ['run', '--silent', 'dead-letters', '--', 'list', 'manage'],
        { env: { ...process.env, ...E2E_ENV, AMQP_URL: 'amqp://guest:secret@127.0.0.1:1/x' } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(noBroker.code).not.toBe(0);
    const line = lineWith(noBroker.stderr, 'dead-letters:');
    expect(line).toContain('cannot reach the broker at amqp://guest:***@127.0.0.1:1/x');
    expect(noBroker.stderr).not.toContain('secret');
  });
});
