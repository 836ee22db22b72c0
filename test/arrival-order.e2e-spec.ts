import {
  AllocationCancelled,
  AllocationRequested,
  EventType,
  RentalAbandoned,
  RentalCancelled,
  RentalRequested,
  StorageAssigned,
  StorageReleased,
  StorageUnavailable,
} from '@app/contracts';
import { queuesOf } from '@app/messaging';
import { ChannelModel, ConfirmChannel, connect } from 'amqplib';
import { createConnection } from 'mysql2/promise';
import { randomUUID } from 'node:crypto';
import { activeAssignments, queryPostgres } from './e2e-databases';
import { AppName, E2E_DATABASES, E2E_ENV } from './e2e-env';
import { publishEvent } from './events';
import { TestSystem, dayFromToday, eventually, newCustomer, newLocation, request } from './harness';
import { ADMIN, as, asRentalFor } from './tokens';

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

type ConsumerApp = Exclude<AppName, 'gateway'>;

/** Whether the app has applied the message: its inbox row is written in the handler's transaction. */
async function applied(app: ConsumerApp, messageId: string): Promise<boolean> {
  if (app === 'assign') {
    const connection = await createConnection(E2E_DATABASES.assign);
    try {
      const [rows] = await connection.query('SELECT 1 FROM inbox_message WHERE message_id = ?', [messageId]);
      return (rows as unknown[]).length > 0;
    } finally {
      await connection.end();
    }
  }
  return (await queryPostgres(app, 'SELECT 1 FROM inbox_message WHERE message_id = $1', [messageId])).length > 0;
}

/** Runs the app alone for the enclosing describe block, so that nothing else sends it anything; returns its URL. */
function runAlone(app: ConsumerApp): () => string {
  let system: TestSystem | undefined;
  beforeAll(async () => {
    system = await TestSystem.start({ apps: [app] });
  });
  afterAll(() => system?.stop());
  return () => system!.app(app).url;
}

/** One event for a rental, or something a client does to it over HTTP, in a sequence. */
type Step = { event: EventType; payload: (rentalId: string) => object } | { name: string; http: (rentalId: string) => Promise<unknown> };
const stepName = (step: Step) => ('event' in step ? step.event.type : step.name);

/**
 * Issue 14, item 5. One rental's events can reach an app in any order: two replicas of a consumer,
 * a retry, a relay that publishes a batch again after a lost confirm. For each app, every order of
 * the events it consumes for one rental is delivered to the real app (alone, so nothing else sends
 * it anything), one event applied before the next is published, and every order must end in the
 * same state: what the app answers about that rental.
 */
describe('every arrival order of one rental’s events ends in the same state', () => {
  let broker: ChannelModel;
  let channel: ConfirmChannel;

  beforeAll(async () => {
    broker = await connect(E2E_ENV.AMQP_URL);
    channel = await broker.createConfirmChannel();
  });

  afterAll(async () => {
    // What the app under test published waits for apps that were not running: not for later suites.
    for (const app of ['rental', 'manage', 'assign', 'view']) await channel.purgeQueue(queuesOf(app).events);
    await broker.close();
  });

  /** Runs every order of `steps` (each on a rental of its own, set up by `prepare`) and returns each order's final state. */
  async function everyOrder(
    app: ConsumerApp,
    steps: Step[],
    prepare: (rentalId: string) => Promise<void>,
    state: (rentalId: string) => Promise<unknown>,
  ): Promise<Map<string, unknown>> {
    const outcomes = new Map<string, unknown>();
    await Promise.all(
      permutations(steps).map(async (order) => {
        const rentalId = randomUUID();
        await prepare(rentalId);
        for (const step of order) {
          if ('http' in step) {
            await step.http(rentalId);
            continue;
          }
          const sent = publishEvent(channel, step.event, step.payload(rentalId));
          await channel.waitForConfirms();
          await eventually(() => applied(app, sent.id), Boolean, {
            message: `${app} did not apply ${step.event.type} in the order ${order.map(stepName).join(', ')}`,
          });
        }
        outcomes.set(order.map(stepName).join(' → '), await state(rentalId));
      }),
    );
    return outcomes;
  }

  /** Every order's state at once, so that a failure shows each order that ended elsewhere. */
  function expectOneState(outcomes: Map<string, unknown>, expected: unknown): void {
    expect(Object.fromEntries(outcomes)).toEqual(Object.fromEntries([...outcomes.keys()].map((order) => [order, expected])));
  }

  describe('manage', () => {
    const location = newLocation();
    const customerId = newCustomer();

    const manageUrl = runAlone('manage');

    /** The allocation as rental asked for it: REQUESTED, before any outcome. */
    const requested = async (rentalId: string) => {
      const answer = await request(
        'POST',
        `${manageUrl()}/allocations`,
        { rentalId, customerId, location, size: 'S', startDate: dayFromToday(5), endDate: dayFromToday(6) },
        asRentalFor(customerId),
      );
      expect(answer.status).toBe(201);
    };
    const allocation = async (rentalId: string) => {
      const { body } = await request('GET', `${manageUrl()}/allocations/${rentalId}`, undefined, ADMIN);
      return { status: body.status, unitCode: body.unitCode, reason: body.reason };
    };
    const assigned: Step = { event: StorageAssigned, payload: (rentalId) => ({ rentalId, unitCode: `${location}-S-1` }) };
    const released: Step = { event: StorageReleased, payload: (rentalId) => ({ rentalId, unitCode: `${location}-S-1` }) };
    const unavailable: Step = { event: StorageUnavailable, payload: (rentalId) => ({ rentalId, reason: 'no unit' }) };
    const cancelled: Step = { event: RentalCancelled, payload: (rentalId) => ({ rentalId, customerId }) };
    const abandoned: Step = { event: RentalAbandoned, payload: (rentalId) => ({ rentalId, reason: 'gave up' }) };

    it('assigned, cancelled by the customer, released: RELEASED, with the unit it held', async () => {
      expectOneState(await everyOrder('manage', [assigned, cancelled, released], requested, allocation), {
        status: 'RELEASED',
        unitCode: `${location}-S-1`,
        reason: null,
      });
    });

    it('assigned, abandoned, released: RELEASED, with the unit it held', async () => {
      expectOneState(await everyOrder('manage', [assigned, abandoned, released], requested, allocation), {
        status: 'RELEASED',
        unitCode: `${location}-S-1`,
        reason: null,
      });
    });

    it('unavailable, cancelled: CANCELLED, with the reason', async () => {
      expectOneState(await everyOrder('manage', [unavailable, cancelled], requested, allocation), {
        status: 'CANCELLED',
        unitCode: null,
        reason: 'no unit',
      });
    });
  });

  describe('assign', () => {
    /** Each rental's own location with one unit, so that no order's rental takes another order's unit. */
    const locationOf = new Map<string, string>();

    const assignUrl = runAlone('assign');

    const oneUnit = async (rentalId: string) => {
      const location = newLocation();
      locationOf.set(rentalId, location);
      const unit = { code: `${location}-S-1`, location, size: 'S' };
      expect((await request('POST', `${assignUrl()}/storage-units`, unit, ADMIN)).status).toBe(201);
    };
    const requested: Step = {
      event: AllocationRequested,
      payload: (rentalId) => ({
        rentalId,
        location: locationOf.get(rentalId),
        size: 'S',
        startDate: dayFromToday(5),
        endDate: dayFromToday(6),
      }),
    };
    const cancelled: Step = { event: AllocationCancelled, payload: (rentalId) => ({ rentalId }) };

    it('requested, cancelled: holds no unit, so the next rental can have it', async () => {
      const unitsHeld = async (rentalId: string) => (await activeAssignments(locationOf.get(rentalId)!)).length;
      expectOneState(await everyOrder('assign', [requested, cancelled], oneUnit, unitsHeld), 0);
    });
  });

  describe('rental', () => {
    const location = newLocation();
    const customerId = newCustomer();

    const rentalUrl = runAlone('rental');

    /** An application manage has taken: REQUESTED, waiting for its outcome. */
    const requested = async (rentalId: string) => {
      await queryPostgres(
        'rental',
        `INSERT INTO rental (id, customer_id, phone, location, size, start_date, end_date, cost_cents, currency, status, request_hash)
         VALUES ($1, $2, '+4930123', $3, 'S', $4, $4, 150, 'EUR', 'REQUESTED', repeat('0', 64))`,
        [rentalId, customerId, location, dayFromToday(5)],
      );
    };
    const rental = async (rentalId: string) => {
      const { body } = await request('GET', `${rentalUrl()}/rentals/${rentalId}`, undefined, as(customerId));
      return { status: body.status, unitCode: body.unitCode };
    };
    const assigned: Step = { event: StorageAssigned, payload: (rentalId) => ({ rentalId, unitCode: `${location}-S-1` }) };
    const cancel: Step = {
      name: 'DELETE /rentals/:id',
      http: (rentalId) => request('DELETE', `${rentalUrl()}/rentals/${rentalId}`, undefined, as(customerId)),
    };

    it('assigned, and the customer cancels: CANCELLED, with the unit it held', async () => {
      expectOneState(await everyOrder('rental', [assigned, cancel], requested, rental), {
        status: 'CANCELLED',
        unitCode: `${location}-S-1`,
      });
    });
  });

  describe('view', () => {
    const location = newLocation();
    const customerId = newCustomer();

    const viewUrl = runAlone('view');

    const view = async (rentalId: string) => {
      const { body } = await request('GET', `${viewUrl()}/rental-views/${rentalId}`, undefined, ADMIN);
      return { status: body.status, unitCode: body.unitCode, history: body.history.map((h: { type: string }) => h.type).sort() };
    };
    const period = { location, size: 'S', startDate: dayFromToday(5), endDate: dayFromToday(6) };
    const rentalRequested: Step = {
      event: RentalRequested,
      payload: (rentalId) => ({ rentalId, customerId, phone: '+4930123', ...period, costCents: 300, currency: 'EUR' }),
    };
    const allocationRequested: Step = { event: AllocationRequested, payload: (rentalId) => ({ rentalId, ...period }) };
    const assigned: Step = { event: StorageAssigned, payload: (rentalId) => ({ rentalId, unitCode: `${location}-S-1` }) };
    const cancelled: Step = { event: RentalCancelled, payload: (rentalId) => ({ rentalId, customerId }) };
    const released: Step = { event: StorageReleased, payload: (rentalId) => ({ rentalId, unitCode: `${location}-S-1` }) };

    it('requested, assigned, cancelled, released: CANCELLED, with the unit and the whole history', async () => {
      expectOneState(await everyOrder('view', [rentalRequested, assigned, cancelled, released], async () => undefined, view), {
        status: 'CANCELLED',
        unitCode: `${location}-S-1`,
        history: ['RentalCancelled', 'RentalRequested', 'StorageAssigned', 'StorageReleased'],
      });
    });

    it('requested twice over (rental and manage), assigned: CONFIRMED', async () => {
      expectOneState(await everyOrder('view', [rentalRequested, allocationRequested, assigned], async () => undefined, view), {
        status: 'CONFIRMED',
        unitCode: `${location}-S-1`,
        history: ['AllocationRequested', 'RentalRequested', 'StorageAssigned'],
      });
    });
  });
});
