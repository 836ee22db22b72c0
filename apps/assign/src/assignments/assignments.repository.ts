import type { AllocationRequested } from '@app/contracts';
import { WouldWaitForLock } from '@app/messaging';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { StorageUnit } from '../storage-units/storage-unit.entity';
import { Assignment } from './assignment.entity';

/**
 * The SQL twin of periodsOverlap(): the ACTIVE assignment `booked` shares a day with the period
 * :startDate to :endDate. AvailabilityRepository counts with it too.
 */
export const BOOKED_IN_PERIOD = `booked.status = 'ACTIVE' AND booked.start_date <= :endDate AND booked.end_date >= :startDate`;

/**
 * An anti-join (LEFT JOIN … IS NULL) with it, which MariaDB answers with an index lookup per
 * candidate; as NOT EXISTS it chose to materialise every overlapping assignment of every unit
 * first, a cost that grew with the bookings (docs/benchmarks.md).
 */
const OVERLAPPING_ASSIGNMENT = `booked.unit_id = candidate.id AND ${BOOKED_IN_PERIOD}`;

type Wanted = Pick<AllocationRequested, 'location' | 'size' | 'startDate' | 'endDate'>;

/** Probe keys are drawn from [0, PROBE_KEYS): the column is an unsigned 32-bit int (migration 1733100000200). */
export const PROBE_KEYS = 2 ** 32;

/** A place in probe order: units are ordered by probe key, then id, which makes the order total. */
export interface ProbePosition {
  probeKey: number;
  id: number;
}

/** assign's reads and locks, in the consumer's transaction. `wait: false` never waits for a lock. */
@Injectable()
export class AssignmentsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /** The rental's assignment, locked; without waiting, WouldWaitForLock when another transaction holds it. */
  async lockAssignment(rentalId: string, wait: boolean): Promise<Assignment | null> {
    const query = this.txHost.tx
      .getRepository(Assignment)
      .createQueryBuilder('assignment')
      .where('assignment.rental_id = :rentalId', { rentalId });
    if (wait) return query.setLock('pessimistic_write').getOne();
    try {
      return await query.setLock('pessimistic_write').setOnLocked('nowait').getOne();
    } catch (error) {
      if (isLockNotGranted(error)) throw new WouldWaitForLock(`assignment of rental ${rentalId}`);
      throw error;
    }
  }

  /** The free unit with the lowest id above `afterId`, read without locks: it may be taken by the time it is locked. */
  firstFreeUnitAfter(wanted: Wanted, afterId: number): Promise<StorageUnit | null> {
    return this.freeUnits(wanted)
      .andWhere('candidate.location = :location AND candidate.size = :size AND candidate.id > :afterId', { ...wanted, afterId })
      .orderBy('candidate.id', 'ASC')
      .limit(1)
      .getOne();
  }

  /**
   * Up to `limit` free units after `after` in probe order and with a probe key below `below`, read
   * without locks. Served by the (location, size, probe_key) index, whose entries end with the id.
   */
  async freeUnitsInProbeOrder(wanted: Wanted, after: ProbePosition, below: number, limit: number): Promise<StorageUnit[]> {
    return this.freeUnits(wanted)
      .addSelect('candidate.probeKey')
      .andWhere('candidate.location = :location AND candidate.size = :size', wanted)
      .andWhere('(candidate.probe_key > :afterKey OR (candidate.probe_key = :afterKey AND candidate.id > :afterId))', {
        afterKey: after.probeKey,
        afterId: after.id,
      })
      .andWhere('candidate.probe_key < :below', { below })
      .orderBy('candidate.probe_key', 'ASC')
      .addOrderBy('candidate.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** Locks the unit's row; without waiting, false when another transaction holds it (SKIP LOCKED). */
  async lockUnit(id: number, wait: boolean): Promise<boolean> {
    const query = this.units().setLock('pessimistic_write').where('candidate.id = :id', { id });
    return (await (wait ? query : query.setOnLocked('skip_locked')).getOne()) !== null;
  }

  /** The unit if no ACTIVE assignment overlaps the period: asked again under the unit's lock. */
  freeUnit(id: number, wanted: Wanted): Promise<StorageUnit | null> {
    return this.freeUnits(wanted).andWhere('candidate.id = :id', { id }).getOne();
  }

  /** Units with no ACTIVE assignment overlapping the period. */
  private freeUnits(wanted: Wanted) {
    return this.units().leftJoin(Assignment, 'booked', OVERLAPPING_ASSIGNMENT, wanted).where('booked.rental_id IS NULL');
  }

  private units() {
    return this.txHost.tx.getRepository(StorageUnit).createQueryBuilder('candidate');
  }
}

/** MariaDB's answer to NOWAIT on a locked row (ER_LOCK_WAIT_TIMEOUT, at once). */
function isLockNotGranted(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { errno?: number }).errno === 1205;
}
