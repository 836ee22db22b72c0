import type { EventType } from '@app/contracts';
import type { OutboxRow } from '@app/messaging';
import { Outbox } from '@app/messaging';
import { Caller, ForbiddenError } from '@app/platform';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { randomUUID } from 'node:crypto';
import { AllocationStatus, afterAssigned, afterReleased } from './allocation';
import { Allocation } from './allocation.entity';
import { AllocationsRepository } from './allocations.repository';
import { AllocationCancelledError, AllocationNotFoundError, AllocationsService } from './allocations.service';
import { RequestAllocationDto } from './request-allocation.dto';

const RENTAL = '3b7e0c52-8f3d-4a51-9e0e-5d2b6f1a7c44';
const CREATED_AT = new Date('2030-05-01T10:00:00Z');

const ALICE = new Caller('alice', 'customer');
const BOB = new Caller('bob', 'customer');
const ADMIN = new Caller('root', 'admin');

const request = (overrides: Partial<RequestAllocationDto> = {}): RequestAllocationDto => ({
  rentalId: RENTAL,
  customerId: 'alice',
  location: 'berlin',
  size: 'M',
  startDate: '2030-06-01',
  endDate: '2030-06-03',
  ...overrides,
});

/** Columns a row leaves out are NULL, as in the table: a tombstone has only its rental id and status. */
const EMPTY_ROW = { customerId: null, location: null, size: null, startDate: null, endDate: null, unitCode: null, reason: null };

/** The allocation table, as the service reads and writes it through TypeORM. Reads answer copies. */
class AllocationTable {
  rows: Allocation[] = [];
  lockModes: (string | undefined)[] = [];
  updates = 0;

  create(fields: Partial<Allocation>): Allocation {
    return { ...fields } as Allocation;
  }
  async findOneBy(where: { rentalId: string }): Promise<Allocation | null> {
    const row = this.rows.find((r) => r.rentalId === where.rentalId);
    return row ? { ...row } : null;
  }
  async findOneByOrFail(where: { rentalId: string }): Promise<Allocation> {
    const row = await this.findOneBy(where);
    if (!row) throw new Error('EntityNotFoundError');
    return row;
  }
  async findOne(options: { where: { rentalId: string }; lock?: { mode: string } }): Promise<Allocation | null> {
    this.lockModes.push(options.lock?.mode);
    return this.findOneBy(options.where);
  }
  async insert(fields: Partial<Allocation>): Promise<void> {
    if (this.rows.some((r) => r.rentalId === fields.rentalId)) throw new Error('duplicate key');
    this.rows.push({ ...EMPTY_ROW, ...fields } as Allocation);
  }
  async update(where: { rentalId: string }, changes: Partial<Allocation>): Promise<void> {
    this.updates += 1;
    Object.assign(
      this.rows.find((r) => r.rentalId === where.rentalId)!,
      changes,
    );
  }
  status(rentalId: string): AllocationStatus | undefined {
    return this.rows.find((r) => r.rentalId === rentalId)?.status;
  }
}

/** The outbox as one ordered list of events: those add() wrote, and those a repository statement wrote with its change. */
class RecordingOutbox {
  events: { type: string; payload: object }[] = [];
  wakes = 0;

  async add<P extends object>(event: EventType<P>, payload: P): Promise<void> {
    this.events.push({ type: event.type, payload });
  }
  row<P extends object>(event: EventType<P>, payload: P): OutboxRow {
    const body = JSON.stringify({ type: event.type, payload });
    return { messageId: randomUUID(), traceContext: null, type: event.type, routingKey: event.routingKey, correlationId: 'c-1', body };
  }
  written(): void {
    this.wakes += 1;
  }
}

/** The repository's one-statement writes over the same table: the event row exists exactly when the allocation does. */
class StatementRepository {
  moves: Partial<Record<AllocationStatus, AllocationStatus>>[] = [];
  constructor(
    private readonly table: AllocationTable,
    private readonly outbox: RecordingOutbox,
  ) {}

  async create(dto: RequestAllocationDto, status: AllocationStatus, event: OutboxRow) {
    if (this.table.rows.some((r) => r.rentalId === dto.rentalId)) return null;
    this.table.rows.push({ ...EMPTY_ROW, ...dto, status, createdAt: CREATED_AT, updatedAt: CREATED_AT });
    this.outbox.events.push({ type: event.type, payload: JSON.parse(event.body).payload });
    return { createdAt: CREATED_AT, updatedAt: CREATED_AT };
  }

  async recordOutcome(rentalId: string, moves: Partial<Record<AllocationStatus, AllocationStatus>>): Promise<boolean> {
    this.moves.push(moves);
    const row = this.table.rows.find((r) => r.rentalId === rentalId);
    if (row) row.status = moves[row.status] ?? row.status;
    return row !== undefined;
  }
}

function allocationService() {
  const table = new AllocationTable();
  const outbox = new RecordingOutbox();
  const repository = new StatementRepository(table, outbox);
  const txHost = { tx: { getRepository: () => table } } as unknown as TransactionHost<TransactionalAdapterTypeOrm>;
  const service = new AllocationsService(txHost, outbox as unknown as Outbox, repository as unknown as AllocationsRepository);
  return { service, table, outbox, repository };
}

/** An allocation already recorded for RENTAL, in the given status. */
function stored(table: AllocationTable, status: AllocationStatus): void {
  table.rows.push({ ...EMPTY_ROW, ...request(), status, createdAt: CREATED_AT, updatedAt: CREATED_AT });
}

describe('AllocationsService', () => {
  describe('request', () => {
    it('records the allocation REQUESTED with AllocationRequested for assign, and answers it as created', async () => {
      const { service, outbox } = allocationService();
      const { allocation, created } = await service.request(request(), ALICE);
      expect(created).toBe(true);
      expect(allocation).toEqual(
        expect.objectContaining({ rentalId: RENTAL, customerId: 'alice', status: 'REQUESTED', unitCode: null, createdAt: CREATED_AT }),
      );
      // assign needs what to look for, not whose it is.
      expect(outbox.events).toEqual([
        {
          type: 'AllocationRequested',
          payload: { rentalId: RENTAL, location: 'berlin', size: 'M', startDate: '2030-06-01', endDate: '2030-06-03' },
        },
      ]);
      expect(outbox.wakes).toBe(1);
    });

    it('answers rental’s repeated call with the allocation it made, not created, writing no second event', async () => {
      const { service, outbox } = allocationService();
      await service.request(request(), ALICE);
      const again = await service.request(request(), ALICE);
      expect([again.created, again.allocation.status]).toEqual([false, 'REQUESTED']);
      expect([outbox.events.length, outbox.wakes]).toEqual([1, 1]);
    });

    it('answers 409 to a request that arrives after its rental was abandoned, and records nothing', async () => {
      const { service, table, outbox } = allocationService();
      await service.cancel(RENTAL);
      await expect(service.request(request(), ALICE)).rejects.toBeInstanceOf(AllocationCancelledError);
      expect([table.rows.length, table.status(RENTAL), outbox.events]).toEqual([1, 'CANCELLED', []]);
    });

    it('answers another customer’s rental id as not found, saying nothing of its allocation', async () => {
      const { service } = allocationService();
      await service.request(request(), ALICE);
      await expect(service.request(request({ customerId: 'bob' }), BOB)).rejects.toBeInstanceOf(AllocationNotFoundError);
    });

    it('refuses a request on behalf of another customer than the caller’s, writing nothing', async () => {
      const { service, table, outbox } = allocationService();
      await expect(service.request(request({ customerId: 'bob' }), ALICE)).rejects.toBeInstanceOf(ForbiddenError);
      expect([table.rows, outbox.events]).toEqual([[], []]);
    });
  });

  describe('find', () => {
    it('answers another customer’s allocation, or a tombstone, as not found to a customer; an admin sees them', async () => {
      const { service, table } = allocationService();
      stored(table, 'ASSIGNED');
      await expect(service.find(RENTAL, BOB)).rejects.toBeInstanceOf(AllocationNotFoundError);
      expect((await service.find(RENTAL, ALICE)).status).toBe('ASSIGNED');
      const abandoned = randomUUID();
      await service.cancel(abandoned);
      await expect(service.find(abandoned, ALICE)).rejects.toBeInstanceOf(AllocationNotFoundError);
      expect((await service.find(abandoned, ADMIN)).status).toBe('CANCELLED');
    });
  });

  describe('recordOutcome', () => {
    it('hands the repository the status rule as the moves it makes', async () => {
      const { service, table, repository } = allocationService();
      stored(table, 'REQUESTED');
      await service.recordOutcome(RENTAL, afterAssigned, { unitCode: 'BER-M-01' });
      await service.recordOutcome(RENTAL, afterReleased, {});
      expect(repository.moves).toEqual([{ REQUESTED: 'ASSIGNED' }, { REQUESTED: 'RELEASED', ASSIGNED: 'RELEASED', CANCELLED: 'RELEASED' }]);
    });

    it('refuses an outcome for an allocation it has not recorded, so the message is retried rather than dropped', async () => {
      const { service } = allocationService();
      await expect(service.recordOutcome(RENTAL, afterAssigned, { unitCode: 'BER-M-01' })).rejects.toBeInstanceOf(AllocationNotFoundError);
    });
  });

  describe('cancel', () => {
    it.each(['REQUESTED', 'ASSIGNED'] as const)(
      'cancels an allocation that is %s under its row lock and tells assign with AllocationCancelled',
      async (status) => {
        const { service, table, outbox } = allocationService();
        stored(table, status);
        await service.cancel(RENTAL);
        expect(table.status(RENTAL)).toBe('CANCELLED');
        expect(table.lockModes).toEqual(['pessimistic_write']);
        expect(outbox.events).toEqual([{ type: 'AllocationCancelled', payload: { rentalId: RENTAL } }]);
      },
    );

    it('cancels an UNAVAILABLE allocation without telling assign, which holds no unit for it', async () => {
      const { service, table, outbox } = allocationService();
      stored(table, 'UNAVAILABLE');
      await service.cancel(RENTAL);
      expect([table.status(RENTAL), outbox.events]).toEqual(['CANCELLED', []]);
    });

    it.each(['CANCELLED', 'RELEASED'] as const)('leaves a %s allocation alone: a second cancel is a no-op', async (status) => {
      const { service, table, outbox } = allocationService();
      stored(table, status);
      await service.cancel(RENTAL);
      expect([table.status(RENTAL), table.updates, outbox.events]).toEqual([status, 0, []]);
    });

    it('leaves a tombstone for a rental it never saw, and tells assign nothing', async () => {
      const { service, table, outbox } = allocationService();
      await service.cancel(RENTAL);
      expect(table.rows).toEqual([{ ...EMPTY_ROW, rentalId: RENTAL, status: 'CANCELLED' }]);
      expect(outbox.events).toEqual([]);
    });
  });
});
