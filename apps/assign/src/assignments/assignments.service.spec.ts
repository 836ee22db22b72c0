import type { AllocationRequested, EventType } from '@app/contracts';
import { MAY_WAIT_FOR_LOCKS, Outbox, WouldWaitForLock } from '@app/messaging';
import { ClsServiceManager } from 'nestjs-cls';
import { StorageUnit } from '../storage-units/storage-unit.entity';
import { AssignmentStatus } from './assignment';
import { Assignment } from './assignment.entity';
import { AssignmentsRepository, PROBE_KEYS, ProbePosition } from './assignments.repository';
import { AssignmentsService, CANDIDATES_PER_READ } from './assignments.service';

const RENTAL = '5d0a8e43-1c2b-4f6e-9a7d-3e8f0b1c2d3e';

const REQUEST: AllocationRequested = { rentalId: RENTAL, location: 'berlin', size: 'M', startDate: '2030-06-01', endDate: '2030-06-03' };

/**
 * A unit as the search meets it. free: takes its lock and is free under it. booked: no read returns it.
 * held: another transaction holds its lock, then lets go with the unit still free. taken: a read
 * returns it, but it was booked by the time its lock was had.
 */
type UnitState = 'free' | 'booked' | 'held' | 'taken';
interface FakeUnit {
  id: number;
  probeKey: number;
  state: UnitState;
}

const unitOf = ({ id, probeKey }: FakeUnit): StorageUnit =>
  ({ id, code: `BER-M-${id}`, location: 'berlin', size: 'M', probeKey }) as StorageUnit;

/** The assignment table, as the service writes it through the repository. */
class AssignmentTable {
  rows: Partial<Assignment>[] = [];
  updates = 0;
}

/** assign's reads and locks over a few units: each answers as the unit's state says, and records what was asked. */
class UnitsRepository {
  units: FakeUnit[] = [];
  assignmentLocks: boolean[] = [];
  unitLocks: { id: number; wait: boolean }[] = [];
  constructor(private readonly table: AssignmentTable) {}

  async lockAssignment(rentalId: string, wait: boolean): Promise<Assignment | null> {
    this.assignmentLocks.push(wait);
    const row = this.table.rows.find((r) => r.rentalId === rentalId);
    return row ? ({ ...row } as Assignment) : null;
  }
  async firstFreeUnitAfter(_wanted: unknown, afterId: number): Promise<StorageUnit | null> {
    const next = this.readable().find((u) => u.id > afterId);
    return next ? unitOf(next) : null;
  }
  async freeUnitsInProbeOrder(_wanted: unknown, after: ProbePosition, below: number, limit: number): Promise<StorageUnit[]> {
    return this.readable()
      .filter((u) => u.probeKey > after.probeKey || (u.probeKey === after.probeKey && u.id > after.id))
      .filter((u) => u.probeKey < below)
      .sort((a, b) => a.probeKey - b.probeKey || a.id - b.id)
      .slice(0, limit)
      .map(unitOf);
  }
  async lockUnit(id: number, wait: boolean): Promise<boolean> {
    this.unitLocks.push({ id, wait });
    return wait || this.unit(id).state !== 'held';
  }
  async freeUnit(id: number): Promise<StorageUnit | null> {
    const unit = this.unit(id);
    return unit.state === 'taken' ? null : unitOf(unit);
  }
  async insert(fields: Partial<Assignment>): Promise<void> {
    this.table.rows.push({ ...fields });
  }
  async setStatus(rentalId: string, status: AssignmentStatus): Promise<void> {
    this.table.updates += 1;
    this.table.rows.find((r) => r.rentalId === rentalId)!.status = status;
  }
  lockedUnitIds(): number[] {
    return this.unitLocks.map((l) => l.id);
  }
  private readable(): FakeUnit[] {
    return this.units.filter((u) => u.state !== 'booked').sort((a, b) => a.id - b.id);
  }
  private unit(id: number): FakeUnit {
    return this.units.find((u) => u.id === id)!;
  }
}

class RecordingOutbox {
  events: { type: string; payload: object }[] = [];
  async add<P extends object>(event: EventType<P>, payload: P): Promise<void> {
    this.events.push({ type: event.type, payload });
  }
}

function assignmentService(units: Omit<FakeUnit, 'id'>[] = []) {
  const table = new AssignmentTable();
  const repository = new UnitsRepository(table);
  repository.units = units.map((unit, i) => ({ id: i + 1, ...unit }));
  const outbox = new RecordingOutbox();
  const service = new AssignmentsService(outbox as unknown as Outbox, repository as unknown as AssignmentsRepository);
  return { service, table, repository, outbox };
}

/** As EventConsumer runs a message alone again after WouldWaitForLock: with leave to wait for locks. */
function mayWait<T>(work: () => Promise<T>): Promise<T> {
  const cls = ClsServiceManager.getClsService();
  return cls.run(() => {
    cls.set(MAY_WAIT_FOR_LOCKS, true);
    return work();
  });
}

/** Keys so near the top that the random start is below them (but for a chance of about 1 in 400 million). */
const TOP = PROBE_KEYS - 10;

describe('AssignmentsService', () => {
  describe('assign', () => {
    it('holds a free unit for the rental’s period and tells the saga StorageAssigned with its code', async () => {
      const { service, table, outbox } = assignmentService([{ probeKey: TOP, state: 'free' }]);
      await service.assign(REQUEST);
      expect(table.rows).toEqual([
        {
          rentalId: RENTAL,
          unitId: 1,
          unitCode: 'BER-M-1',
          location: 'berlin',
          size: 'M',
          startDate: '2030-06-01',
          endDate: '2030-06-03',
          status: 'ACTIVE',
        },
      ]);
      expect(outbox.events).toEqual([{ type: 'StorageAssigned', payload: { rentalId: RENTAL, unitCode: 'BER-M-1' } }]);
    });

    it('records the rental UNAVAILABLE and tells the saga why when no unit is free for the period', async () => {
      const { service, table, outbox } = assignmentService([{ probeKey: TOP, state: 'booked' }]);
      await service.assign(REQUEST);
      const reason = 'No M unit is free in berlin from 2030-06-01 to 2030-06-03';
      expect(table.rows).toEqual([
        { rentalId: RENTAL, location: 'berlin', size: 'M', startDate: '2030-06-01', endDate: '2030-06-03', status: 'UNAVAILABLE', reason },
      ]);
      expect(outbox.events).toEqual([{ type: 'StorageUnavailable', payload: { rentalId: RENTAL, reason } }]);
    });

    it.each(['ACTIVE', 'UNAVAILABLE', 'CANCELLED'] as const)(
      'does nothing for a rental whose assignment is %s already: a redelivery, or a cancel that came first',
      async (status) => {
        const { service, table, repository, outbox } = assignmentService([{ probeKey: TOP, state: 'free' }]);
        table.rows.push({ rentalId: RENTAL, status });
        await service.assign(REQUEST);
        expect([table.rows.length, repository.unitLocks, outbox.events]).toEqual([1, [], []]);
      },
    );

    it('takes a unit nobody holds, without waiting for the one another transaction holds', async () => {
      const { service, table, repository } = assignmentService([
        { probeKey: TOP, state: 'held' },
        { probeKey: TOP + 1, state: 'free' },
      ]);
      await service.assign(REQUEST);
      expect(repository.unitLocks).toEqual([
        { id: 1, wait: false },
        { id: 2, wait: false },
      ]);
      expect(table.rows[0]).toEqual(expect.objectContaining({ unitId: 2, status: 'ACTIVE' }));
    });

    it('gives up with WouldWaitForLock, writing nothing, when the only unit that may be free is held: not a false rejection', async () => {
      const { service, table, outbox } = assignmentService([
        { probeKey: TOP, state: 'held' },
        { probeKey: TOP + 1, state: 'taken' },
      ]);
      await expect(service.assign(REQUEST)).rejects.toBeInstanceOf(WouldWaitForLock);
      expect([table.rows, outbox.events]).toEqual([[], []]);
    });

    it('asks again under the unit’s lock, and passes over a unit booked since it was read', async () => {
      const { service, table } = assignmentService([
        { probeKey: TOP, state: 'taken' },
        { probeKey: TOP + 1, state: 'free' },
      ]);
      await service.assign(REQUEST);
      expect(table.rows[0]).toEqual(expect.objectContaining({ unitId: 2, unitCode: 'BER-M-2' }));
    });

    it('reads on past a full page of candidates that were all booked meanwhile', async () => {
      const units = Array.from({ length: CANDIDATES_PER_READ }, (_, i) => ({ probeKey: TOP + i, state: 'taken' as const }));
      const { service, table } = assignmentService([...units, { probeKey: TOP + CANDIDATES_PER_READ, state: 'free' }]);
      await service.assign(REQUEST);
      expect(table.rows[0]).toEqual(expect.objectContaining({ unitId: CANDIDATES_PER_READ + 1, status: 'ACTIVE' }));
    });

    it('goes round from the top of the probe keys to the bottom, finding a free unit below its random start', async () => {
      const { service, table } = assignmentService([
        { probeKey: TOP, state: 'taken' },
        { probeKey: 0, state: 'free' },
      ]);
      await service.assign(REQUEST);
      expect(table.rows[0]).toEqual(expect.objectContaining({ unitId: 2, status: 'ACTIVE' }));
    });

    it('looks at every unit exactly once, wherever it starts, before it answers that none is free', async () => {
      const keys = [0, 1, 2 ** 30, 2 ** 31, 2 ** 31 + 7, 3 * 2 ** 30, TOP, PROBE_KEYS - 1];
      for (let run = 0; run < 20; run++) {
        const { service, repository, outbox } = assignmentService(keys.map((probeKey) => ({ probeKey, state: 'taken' })));
        await service.assign(REQUEST);
        expect(repository.lockedUnitIds().sort((a, b) => a - b)).toEqual(keys.map((_, i) => i + 1));
        expect(outbox.events.map((e) => e.type)).toEqual(['StorageUnavailable']);
      }
    });

    it('alone with leave to wait, walks the units in id order waiting for each lock, and takes the first still free', async () => {
      const { service, table, repository } = assignmentService([
        { probeKey: TOP, state: 'taken' },
        { probeKey: 5, state: 'held' },
        { probeKey: 0, state: 'free' },
      ]);
      await mayWait(() => service.assign(REQUEST));
      expect(repository.assignmentLocks).toEqual([true]);
      expect(repository.unitLocks).toEqual([
        { id: 1, wait: true },
        { id: 2, wait: true },
      ]);
      expect(table.rows[0]).toEqual(expect.objectContaining({ unitId: 2, status: 'ACTIVE' }));
    });

    it('alone with leave to wait, answers UNAVAILABLE rather than giving up when no unit is free', async () => {
      const { service, outbox } = assignmentService([{ probeKey: TOP, state: 'taken' }]);
      await mayWait(() => service.assign(REQUEST));
      expect(outbox.events.map((e) => e.type)).toEqual(['StorageUnavailable']);
    });

    it('never waits for the rental’s assignment lock in a batch', async () => {
      const { service, repository } = assignmentService([{ probeKey: TOP, state: 'free' }]);
      await service.assign(REQUEST);
      expect(repository.assignmentLocks).toEqual([false]);
    });
  });

  describe('release', () => {
    it('gives an ACTIVE assignment’s unit back and tells the saga StorageReleased with its code', async () => {
      const { service, table, outbox } = assignmentService();
      table.rows.push({ rentalId: RENTAL, unitId: 1, unitCode: 'BER-M-1', status: 'ACTIVE' });
      await service.release(RENTAL);
      expect(table.rows[0].status).toBe('RELEASED');
      expect(outbox.events).toEqual([{ type: 'StorageReleased', payload: { rentalId: RENTAL, unitCode: 'BER-M-1' } }]);
    });

    it.each(['RELEASED', 'UNAVAILABLE', 'CANCELLED'] as AssignmentStatus[])(
      'leaves an assignment that is %s alone and tells no one: a duplicate cancel is a no-op',
      async (status) => {
        const { service, table, outbox } = assignmentService();
        table.rows.push({ rentalId: RENTAL, status });
        await service.release(RENTAL);
        expect([table.rows[0].status, table.updates, outbox.events]).toEqual([status, 0, []]);
      },
    );

    it('leaves a tombstone for a cancel that overtook its request, so the request, when it comes, takes no unit', async () => {
      const { service, table, outbox } = assignmentService([{ probeKey: TOP, state: 'free' }]);
      await service.release(RENTAL);
      expect(table.rows).toEqual([{ rentalId: RENTAL, status: 'CANCELLED' }]);
      await service.assign(REQUEST);
      expect([table.rows.length, outbox.events]).toEqual([1, []]);
    });
  });
});
