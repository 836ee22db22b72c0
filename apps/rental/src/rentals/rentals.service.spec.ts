import type { EventType } from '@app/contracts';
import type { OutboxRow } from '@app/messaging';
import { Outbox } from '@app/messaging';
import { Caller, ForbiddenError, InvalidInputError, RentalTerms, RentalTermsConfig } from '@app/platform';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BrokenCircuitError, BulkheadRejectedError } from 'cockatiel';
import { randomUUID } from 'node:crypto';
import { QueryFailedError } from 'typeorm';
import { ApplyRentalDto } from './apply-rental.dto';
import { ManageClient } from './manage.client';
import { RentalStatus, afterAssigned, afterUnavailable, requestHash } from './rental';
import { Rental } from './rental.entity';
import { RentalsRepository } from './rentals.repository';
import {
  AllocationUnavailableError,
  ApplicationInProgressError,
  IdempotencyKeyReusedError,
  RentalNotCancellableError,
  RentalNotFoundError,
  RentalsService,
} from './rentals.service';

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

const ALICE = new Caller('alice', 'customer');
const BOB = new Caller('bob', 'customer');
const ADMIN = new Caller('root', 'admin');

const application = (overrides: Partial<ApplyRentalDto> = {}): ApplyRentalDto => ({
  phone: '+49 30 1234567',
  location: 'berlin',
  size: 'M',
  startDate: day(1),
  endDate: day(3),
  ...overrides,
});

/** What PostgreSQL's driver throws for a duplicate key, as TypeORM wraps it. */
const uniqueViolation = () => new QueryFailedError('INSERT INTO rental', [], Object.assign(new Error('duplicate key'), { code: '23505' }));

const matches = (row: Rental, where: Partial<Rental>) => Object.entries(where).every(([key, value]) => row[key as keyof Rental] === value);

/** The rental table as the service reads and writes it through TypeORM. Reads answer copies, so only update() changes a row. */
class RentalTable {
  rows: Rental[] = [];
  lockModes: (string | undefined)[] = [];
  /** Runs just before an insert: another request that gets there first. */
  beforeInsert?: () => void;

  create(fields: Partial<Rental>): Rental {
    return { ...fields } as Rental;
  }
  async findOneBy(where: Partial<Rental>): Promise<Rental | null> {
    const row = this.rows.find((r) => matches(r, where));
    return row ? { ...row } : null;
  }
  async findOneByOrFail(where: Partial<Rental>): Promise<Rental> {
    const row = await this.findOneBy(where);
    if (!row) throw new Error('EntityNotFoundError');
    return row;
  }
  async findOne(options: { where: Partial<Rental>; lock?: { mode: string } }): Promise<Rental | null> {
    this.lockModes.push(options.lock?.mode);
    return this.findOneBy(options.where);
  }
  async insert(rental: Rental): Promise<void> {
    this.beforeInsert?.();
    const taken = this.rows.some(
      (r) => rental.idempotencyKey && r.customerId === rental.customerId && r.idempotencyKey === rental.idempotencyKey,
    );
    if (taken) throw uniqueViolation();
    this.rows.push({ ...rental });
  }
  async update(where: Partial<Rental>, changes: Partial<Rental>): Promise<{ affected: number }> {
    const hit = this.rows.filter((r) => matches(r, where));
    for (const row of hit) Object.assign(row, changes);
    return { affected: hit.length };
  }
  status(id: string): RentalStatus | undefined {
    return this.rows.find((r) => r.id === id)?.status;
  }
}

interface WrittenEvent {
  type: string;
  payload: object;
  inTransaction: boolean;
}

/** The outbox as one ordered list of the events written, each marked with whether a transaction was open. */
class RecordingOutbox {
  events: WrittenEvent[] = [];
  wakes = 0;
  private open = 0;

  async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    this.open += 1;
    try {
      return await work();
    } finally {
      this.open -= 1;
    }
  }
  async add<P extends object>(event: EventType<P>, payload: P): Promise<void> {
    this.events.push({ type: event.type, payload, inTransaction: this.open > 0 });
  }
  row<P extends object>(event: EventType<P>, payload: P): OutboxRow {
    const body = JSON.stringify({ type: event.type, payload });
    return { messageId: randomUUID(), traceContext: null, type: event.type, routingKey: event.routingKey, correlationId: 'c-1', body };
  }
  written(): void {
    this.wakes += 1;
  }
  types(): string[] {
    return this.events.map((e) => e.type);
  }
}

/** The repository's one-statement writes, over the same table: an event row is written exactly when the rental moves. */
class StatementRepository {
  moves: Partial<Record<RentalStatus, RentalStatus>>[] = [];
  constructor(
    private readonly table: RentalTable,
    private readonly outbox: RecordingOutbox,
  ) {}

  insert(rental: Rental): Promise<void> {
    return this.table.insert(rental);
  }

  async acceptPending(id: string, status: RentalStatus, event: OutboxRow): Promise<boolean> {
    const row = this.table.rows.find((r) => r.id === id && r.status === 'PENDING');
    if (!row) return false;
    row.status = status;
    this.outbox.events.push({ type: event.type, payload: JSON.parse(event.body).payload, inTransaction: true });
    return true;
  }

  async recordOutcome(id: string, moves: Partial<Record<RentalStatus, RentalStatus>>, fields: { unitCode?: string; reason?: string }) {
    this.moves.push(moves);
    const row = this.table.rows.find((r) => r.id === id);
    if (!row) return null;
    const previousStatus = row.status;
    const next = moves[previousStatus];
    if (next) row.status = next;
    Object.assign(row, fields);
    return { previousStatus, moved: next !== undefined };
  }
}

/** manage as the service sees it: the breaker's and the bulkhead's state, and the call, answered as each test says. */
class FakeManage {
  refusesCalls = false;
  isFull = false;
  retryAfterSeconds = 7;
  /** Each call, with the status its rental had in the table when manage was asked. */
  asked: { id: string; savedAs?: RentalStatus }[] = [];
  answer: (rental: Rental) => Promise<void> = async () => undefined;
  constructor(private readonly table: RentalTable) {}

  async requestAllocation(rental: Rental): Promise<void> {
    this.asked.push({ id: rental.id, savedAs: this.table.status(rental.id) });
    await this.answer(rental);
  }
}

function rentalService() {
  const table = new RentalTable();
  const outbox = new RecordingOutbox();
  const repository = new StatementRepository(table, outbox);
  const manage = new FakeManage(table);
  const terms = new RentalTerms(new ConfigService(new RentalTermsConfig()));
  const txHost = { tx: { getRepository: () => table } } as unknown as TransactionHost<TransactionalAdapterTypeOrm>;
  const service = new RentalsService(
    txHost,
    outbox as unknown as Outbox,
    manage as unknown as ManageClient,
    repository as unknown as RentalsRepository,
    terms,
  );
  return { service, table, outbox, repository, manage };
}

/** A rental already in the table, as an earlier application left it. */
function stored(table: RentalTable, status: RentalStatus, fields: Partial<Rental> = {}): Rental {
  const dto = { ...application(), customerId: 'alice' };
  const rental = {
    id: randomUUID(),
    ...dto,
    costCents: 750,
    currency: 'EUR',
    status,
    unitCode: null,
    reason: null,
    idempotencyKey: null,
    requestHash: requestHash(dto),
    ...fields,
  } as Rental;
  table.rows.push(rental);
  return { ...rental };
}

describe('RentalsService', () => {
  // Each failed manage call is logged as a warning; here the failures are the point.
  beforeAll(() => Logger.overrideLogger(false));

  describe('apply', () => {
    it('prices the period server-side (daily rate of the size × days, both end days), for the token’s customer', async () => {
      const { service } = rentalService();
      const rental = await service.apply(application({ size: 'M', startDate: day(1), endDate: day(3) }), ALICE);
      // M is 250 cents a day by default; day 1 to day 3 is three days.
      expect(rental).toEqual(expect.objectContaining({ customerId: 'alice', costCents: 750, currency: 'EUR', status: 'REQUESTED' }));
    });

    it('saves the rental PENDING before asking manage, then answers REQUESTED and writes RentalRequested with its facts', async () => {
      const { service, table, outbox, manage } = rentalService();
      const rental = await service.apply(application(), ALICE);
      expect(manage.asked).toEqual([{ id: rental.id, savedAs: 'PENDING' }]);
      expect(table.status(rental.id)).toBe('REQUESTED');
      expect(outbox.events).toEqual([
        {
          type: 'RentalRequested',
          payload: {
            rentalId: rental.id,
            customerId: 'alice',
            phone: '+49 30 1234567',
            location: 'berlin',
            size: 'M',
            startDate: day(1),
            endDate: day(3),
            costCents: 750,
            currency: 'EUR',
          },
          inTransaction: true,
        },
      ]);
      expect(outbox.wakes).toBe(1);
    });

    it('refuses an admin’s application that names no customer, before saving or asking anything', async () => {
      const { service, table, manage } = rentalService();
      await expect(service.apply(application(), ADMIN)).rejects.toEqual(expect.objectContaining({ field: 'customerId' }));
      expect([table.rows, manage.asked]).toEqual([[], []]);
    });

    it('takes an admin’s application for the customer it names', async () => {
      const { service } = rentalService();
      expect((await service.apply(application({ customerId: 'carol' }), ADMIN)).customerId).toBe('carol');
    });

    it('refuses a customer’s application for another customer', async () => {
      const { service, table } = rentalService();
      await expect(service.apply(application({ customerId: 'bob' }), ALICE)).rejects.toBeInstanceOf(ForbiddenError);
      expect(table.rows).toEqual([]);
    });

    it.each([
      ['startDate', day(-1), day(1)],
      ['endDate', day(3), day(2)],
    ])('refuses a period that breaks the terms, naming %s, before saving or asking manage', async (field, startDate, endDate) => {
      const { service, table, manage } = rentalService();
      const refusal = service.apply(application({ startDate, endDate }), ALICE);
      await expect(refusal).rejects.toBeInstanceOf(InvalidInputError);
      await expect(refusal).rejects.toEqual(expect.objectContaining({ field }));
      expect([table.rows, manage.asked]).toEqual([[], []]);
    });

    it.each([
      ['the circuit to manage is open', 'refusesCalls' as const, 'manage is not answering'],
      ['every call slot and queue place is taken', 'isFull' as const, 'too many applications at once'],
    ])('answers 503 with manage’s Retry-After at once, saving nothing, while %s', async (_case, state, why) => {
      const { service, table, manage } = rentalService();
      manage[state] = true;
      const refusal = service.apply(application(), ALICE);
      await expect(refusal).rejects.toBeInstanceOf(AllocationUnavailableError);
      await expect(refusal).rejects.toEqual(expect.objectContaining({ retryAfterSeconds: 7, message: expect.stringContaining(why) }));
      expect([table.rows, manage.asked]).toEqual([[], []]);
    });

    it.each([
      ['the circuit opened during the call', new BrokenCircuitError(), 'manage is not answering'],
      ['the call was turned away', new BulkheadRejectedError(0, 0), 'too many applications at once'],
      ['manage failed', new Error('manage answered 500: boom'), 'the allocation request did not go through'],
    ])('abandons the rental and answers 503 when %s, telling manage with RentalAbandoned', async (_case, error, why) => {
      const { service, table, outbox, manage } = rentalService();
      manage.answer = async () => {
        throw error;
      };
      await expect(service.apply(application(), ALICE, 'key-1')).rejects.toEqual(
        expect.objectContaining({ constructor: AllocationUnavailableError, message: expect.stringContaining(why) }),
      );
      const [rental] = table.rows;
      // The key is freed, so that the client's retry with it applies anew.
      expect([rental.status, rental.idempotencyKey, rental.reason]).toEqual(['ABANDONED', null, error.message]);
      expect(outbox.events).toEqual([
        { type: 'RentalAbandoned', payload: { rentalId: rental.id, reason: error.message }, inTransaction: true },
      ]);
    });

    it('keeps the abandon reason within the event’s 200 characters', async () => {
      const { service, outbox, manage } = rentalService();
      manage.answer = async () => {
        throw new Error('x'.repeat(300));
      };
      await expect(service.apply(application(), ALICE)).rejects.toBeInstanceOf(AllocationUnavailableError);
      expect((outbox.events[0].payload as { reason: string }).reason).toHaveLength(200);
    });

    it('keeps the application when the outcome overtook manage’s failed answer, and writes RentalRequested once, not RentalAbandoned', async () => {
      const { service, table, outbox, manage } = rentalService();
      manage.answer = async (rental) => {
        await service.recordOutcome(rental.id, afterAssigned, { unitCode: 'BER-M-01' });
        throw new Error('timeout');
      };
      const rental = await service.apply(application(), ALICE);
      expect([rental.status, rental.unitCode]).toEqual(['CONFIRMED', 'BER-M-01']);
      expect(table.status(rental.id)).toBe('CONFIRMED');
      expect(outbox.types()).toEqual(['RentalRequested']);
    });

    it('answers the rental as the outcome left it when the outcome came before manage’s answer, writing RentalRequested once', async () => {
      const { service, outbox, manage } = rentalService();
      manage.answer = (rental) => service.recordOutcome(rental.id, afterUnavailable, { reason: 'none free' });
      const rental = await service.apply(application(), ALICE);
      expect([rental.status, rental.reason]).toEqual(['REJECTED', 'none free']);
      expect(outbox.types()).toEqual(['RentalRequested']);
      expect(outbox.wakes).toBe(0);
    });

    it('answers 503 when the sweeper abandoned the rental while manage’s answer was on its way', async () => {
      const { service, outbox, manage } = rentalService();
      manage.answer = async (rental) => {
        await service.abandonIfPending(rental.id, 'PENDING for longer than ABANDON_PENDING_AFTER_MS');
      };
      await expect(service.apply(application(), ALICE)).rejects.toEqual(
        expect.objectContaining({ constructor: AllocationUnavailableError, message: expect.stringContaining('took too long') }),
      );
      expect(outbox.types()).toEqual(['RentalAbandoned']);
    });
  });

  describe('apply with an Idempotency-Key', () => {
    it('returns the first rental for the same key and body, asking manage nothing, even while the circuit is open', async () => {
      const { service, table, manage } = rentalService();
      const first = await service.apply(application(), ALICE, 'key-1');
      manage.refusesCalls = true;
      const again = await service.apply(application(), ALICE, 'key-1');
      expect(again.id).toBe(first.id);
      expect([table.rows.length, manage.asked.length]).toEqual([1, 1]);
    });

    it('replays an application whose start date has passed since, instead of refusing the period', async () => {
      const { service, table } = rentalService();
      const dto = application({ startDate: day(-1), endDate: day(1) });
      const earlier = stored(table, 'CONFIRMED', {
        ...dto,
        idempotencyKey: 'key-1',
        requestHash: requestHash({ ...dto, customerId: 'alice' }),
      });
      expect((await service.apply(dto, ALICE, 'key-1')).id).toBe(earlier.id);
    });

    it('answers 422 for the same key with a different body', async () => {
      const { service } = rentalService();
      await service.apply(application(), ALICE, 'key-1');
      await expect(service.apply(application({ size: 'XL' }), ALICE, 'key-1')).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    });

    it('answers 409 while the first request with the key is still waiting for manage', async () => {
      const { service, table } = rentalService();
      stored(table, 'PENDING', { idempotencyKey: 'key-1' });
      await expect(service.apply(application(), ALICE, 'key-1')).rejects.toBeInstanceOf(ApplicationInProgressError);
    });

    it('lets each customer use the same key for their own application', async () => {
      const { service, table } = rentalService();
      await service.apply(application(), ALICE, 'key-1');
      await service.apply(application(), BOB, 'key-1');
      expect(table.rows.map((r) => r.customerId)).toEqual(['alice', 'bob']);
    });

    it('returns the rental of a concurrent request with the same key that saved first, and makes no second one', async () => {
      const { service, table, manage } = rentalService();
      let winner: Rental | undefined;
      table.beforeInsert = () => {
        table.beforeInsert = undefined;
        winner = stored(table, 'REQUESTED', { idempotencyKey: 'key-1' });
      };
      const rental = await service.apply(application(), ALICE, 'key-1');
      expect(rental.id).toBe(winner!.id);
      expect([table.rows.length, manage.asked]).toEqual([1, []]);
    });

    it('lets a unique violation without a key through as the failure it is', async () => {
      const { service, table } = rentalService();
      table.beforeInsert = () => {
        throw uniqueViolation();
      };
      await expect(service.apply(application(), ALICE)).rejects.toBeInstanceOf(QueryFailedError);
    });
  });

  describe('find', () => {
    it('answers another customer’s rental as not found, like an unknown one; an admin sees it', async () => {
      const { service, table } = rentalService();
      const rental = stored(table, 'REQUESTED');
      await expect(service.find(rental.id, BOB)).rejects.toBeInstanceOf(RentalNotFoundError);
      await expect(service.find(randomUUID(), ALICE)).rejects.toBeInstanceOf(RentalNotFoundError);
      expect((await service.find(rental.id, ADMIN)).id).toBe(rental.id);
      expect((await service.find(rental.id, ALICE)).id).toBe(rental.id);
    });
  });

  describe('cancel', () => {
    it.each(['REQUESTED', 'CONFIRMED'] as const)(
      'cancels a %s rental under its row lock and writes RentalCancelled in the same transaction',
      async (status) => {
        const { service, table, outbox } = rentalService();
        const rental = stored(table, status);
        expect((await service.cancel(rental.id, ALICE)).status).toBe('CANCELLED');
        expect(table.status(rental.id)).toBe('CANCELLED');
        expect(table.lockModes).toEqual(['pessimistic_write']);
        expect(outbox.events).toEqual([
          { type: 'RentalCancelled', payload: { rentalId: rental.id, customerId: 'alice' }, inTransaction: true },
        ]);
      },
    );

    it.each(['CANCELLED', 'REJECTED', 'PENDING', 'ABANDONED'] as const)(
      'answers 409 to the cancel of a rental that is %s, and changes and writes nothing',
      async (status) => {
        const { service, table, outbox } = rentalService();
        const rental = stored(table, status);
        await expect(service.cancel(rental.id, ALICE)).rejects.toBeInstanceOf(RentalNotCancellableError);
        expect(table.status(rental.id)).toBe(status);
        expect(outbox.events).toEqual([]);
      },
    );

    it('answers 404 for an unknown rental and for another customer’s, writing nothing', async () => {
      const { service, table, outbox } = rentalService();
      const rental = stored(table, 'CONFIRMED');
      await expect(service.cancel(randomUUID(), ALICE)).rejects.toBeInstanceOf(RentalNotFoundError);
      await expect(service.cancel(rental.id, BOB)).rejects.toBeInstanceOf(RentalNotFoundError);
      expect(table.status(rental.id)).toBe('CONFIRMED');
      expect(outbox.events).toEqual([]);
    });

    it('lets an admin cancel a customer’s rental, naming the customer in the event', async () => {
      const { service, table, outbox } = rentalService();
      const rental = stored(table, 'REQUESTED');
      await service.cancel(rental.id, ADMIN);
      expect(outbox.events.map((e) => e.payload)).toEqual([{ rentalId: rental.id, customerId: 'alice' }]);
    });
  });

  describe('recordOutcome', () => {
    it('hands the repository the status rule as the moves it makes', async () => {
      const { service, table, repository } = rentalService();
      const rental = stored(table, 'REQUESTED');
      await service.recordOutcome(rental.id, afterAssigned, { unitCode: 'BER-M-01' });
      expect(repository.moves).toEqual([{ PENDING: 'CONFIRMED', REQUESTED: 'CONFIRMED' }]);
    });

    it('writes RentalRequested when the outcome moves a rental out of PENDING: it proves manage had the request', async () => {
      const { service, table, outbox } = rentalService();
      const rental = stored(table, 'PENDING');
      await service.recordOutcome(rental.id, afterAssigned, { unitCode: 'BER-M-01' });
      expect(outbox.events).toEqual([
        expect.objectContaining({ type: 'RentalRequested', payload: expect.objectContaining({ rentalId: rental.id, costCents: 750 }) }),
      ]);
    });

    it.each(['REQUESTED', 'CANCELLED'] as const)('writes no event for an outcome of a %s rental', async (status) => {
      const { service, table, outbox } = rentalService();
      const rental = stored(table, status);
      await service.recordOutcome(rental.id, afterUnavailable, { reason: 'none free' });
      expect(outbox.events).toEqual([]);
    });

    it('refuses an outcome for an unknown rental, so the message is retried rather than dropped', async () => {
      const { service } = rentalService();
      await expect(service.recordOutcome(randomUUID(), afterAssigned, { unitCode: 'BER-M-01' })).rejects.toBeInstanceOf(
        RentalNotFoundError,
      );
    });
  });
});
