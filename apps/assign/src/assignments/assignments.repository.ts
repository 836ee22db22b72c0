import type { AllocationRequested } from '@app/contracts';
import { WouldWaitForLock } from '@app/messaging';
import { preparedQuery } from '@app/platform';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { StorageUnit } from '../storage-units/storage-unit.entity';
import { AssignmentStatus } from './assignment';
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

/** A unit as the search reads it: what an assignment needs of it. */
export type FreeUnit = Pick<StorageUnit, 'id' | 'code'>;

/** The rental's assignment, as assign's decisions need it. */
export type AssignmentOfRental = Pick<Assignment, 'rentalId' | 'status' | 'unitCode'>;

/** The row an assignment or a rejection writes; `unitId` and `unitCode` only with a unit. */
export type NewAssignment = Pick<Assignment, 'rentalId' | 'status'> &
  Partial<Pick<Assignment, 'unitId' | 'unitCode' | 'location' | 'size' | 'startDate' | 'endDate' | 'reason'>>;

/**
 * A statement with :named parameters as MariaDB takes it, worked out once: `?` in their places and
 * their names in that order (TypeORM's escapeQueryWithParameters did it on every call: 3.5% of
 * assign's busy time).
 */
interface Statement {
  text: string;
  names: string[];
}

function statement(sql: string): Statement {
  const names: string[] = [];
  const text = sql.replace(/:(\w+)/g, (_, name: string) => {
    names.push(name);
    return '?';
  });
  return { text, names };
}

const LOCK_ASSIGNMENT_SQL = `SELECT rental_id AS rentalId, status, unit_code AS unitCode FROM assignment WHERE rental_id = :rentalId FOR UPDATE`;
const LOCK_ASSIGNMENT = statement(LOCK_ASSIGNMENT_SQL);
const LOCK_ASSIGNMENT_NOWAIT = statement(`${LOCK_ASSIGNMENT_SQL} NOWAIT`);

/** Units with no ACTIVE assignment overlapping the period, a condition to add after WHERE. */
const FREE_UNITS = `SELECT candidate.id, candidate.code, candidate.probe_key AS probeKey
  FROM storage_unit candidate LEFT JOIN assignment booked ON ${OVERLAPPING_ASSIGNMENT}
  WHERE booked.rental_id IS NULL AND`;

const FIRST_FREE_UNIT_AFTER = statement(`${FREE_UNITS} candidate.location = :location AND candidate.size = :size AND candidate.id > :afterId
  ORDER BY candidate.id LIMIT 1`);

const FREE_UNITS_IN_PROBE_ORDER = statement(`${FREE_UNITS} candidate.location = :location AND candidate.size = :size
  AND (candidate.probe_key > :afterKey OR (candidate.probe_key = :afterKey AND candidate.id > :afterId)) AND candidate.probe_key < :below
  ORDER BY candidate.probe_key, candidate.id LIMIT :limit`);

const FREE_UNIT = statement(`${FREE_UNITS} candidate.id = :id`);

const LOCK_UNIT_SQL = `SELECT id FROM storage_unit WHERE id = :id FOR UPDATE`;
const LOCK_UNIT = statement(LOCK_UNIT_SQL);
const LOCK_UNIT_SKIP_LOCKED = statement(`${LOCK_UNIT_SQL} SKIP LOCKED`);

const INSERT_ASSIGNMENT =
  statement(`INSERT INTO assignment (rental_id, status, unit_id, unit_code, location, size, start_date, end_date, reason)
  VALUES (:rentalId, :status, :unitId, :unitCode, :location, :size, :startDate, :endDate, :reason)`);

const SET_STATUS = statement(`UPDATE assignment SET status = :status WHERE rental_id = :rentalId`);

/**
 * assign's reads, locks and writes, in the consumer's transaction: each one statement of its own
 * SQL, since TypeORM's query builder cost about a quarter of assign's CPU on this path (its profile
 * in docs/benchmarks.md). `wait: false` never waits for a lock.
 */
@Injectable()
export class AssignmentsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /** The rental's assignment, locked; without waiting, WouldWaitForLock when another transaction holds it. */
  async lockAssignment(rentalId: string, wait: boolean): Promise<AssignmentOfRental | null> {
    try {
      const [row] = await this.query<AssignmentOfRental>(wait ? LOCK_ASSIGNMENT : LOCK_ASSIGNMENT_NOWAIT, { rentalId });
      return row ?? null;
    } catch (error) {
      if (!wait && isLockNotGranted(error)) throw new WouldWaitForLock(`assignment of rental ${rentalId}`);
      throw error;
    }
  }

  /** The free unit with the lowest id above `afterId`, read without locks: it may be taken by the time it is locked. */
  async firstFreeUnitAfter(wanted: Wanted, afterId: number): Promise<FreeUnit | null> {
    const [unit] = await this.query<FreeUnit>(FIRST_FREE_UNIT_AFTER, { ...wanted, afterId });
    return unit ?? null;
  }

  /**
   * Up to `limit` free units after `after` in probe order and with a probe key below `below`, read
   * without locks. Served by the (location, size, probe_key) index, whose entries end with the id.
   */
  freeUnitsInProbeOrder(wanted: Wanted, after: ProbePosition, below: number, limit: number): Promise<(FreeUnit & ProbePosition)[]> {
    return this.query(FREE_UNITS_IN_PROBE_ORDER, { ...wanted, afterKey: after.probeKey, afterId: after.id, below, limit });
  }

  /** Locks the unit's row; without waiting, false when another transaction holds it (SKIP LOCKED). */
  async lockUnit(id: number, wait: boolean): Promise<boolean> {
    return (await this.query(wait ? LOCK_UNIT : LOCK_UNIT_SKIP_LOCKED, { id })).length > 0;
  }

  /** The unit if no ACTIVE assignment overlaps the period: asked again under the unit's lock. */
  async freeUnit(id: number, wanted: Wanted): Promise<FreeUnit | null> {
    const [unit] = await this.query<FreeUnit>(FREE_UNIT, { ...wanted, id });
    return unit ?? null;
  }

  async insert(assignment: NewAssignment): Promise<void> {
    const { unitId = null, unitCode = null, location = null, size = null, startDate = null, endDate = null, reason = null } = assignment;
    await this.query(INSERT_ASSIGNMENT, { ...assignment, unitId, unitCode, location, size, startDate, endDate, reason });
  }

  async setStatus(rentalId: string, status: AssignmentStatus): Promise<void> {
    await this.query(SET_STATUS, { rentalId, status });
  }

  /** Runs the statement in the current transaction with its named parameters' values; null is a value, a missing name an error. */
  private query<T>({ text, names }: Statement, parameters: Record<string, unknown>): Promise<T[]> {
    const values = names.map((name) => {
      // mysql2 would send a missing one as NULL, and `probe_key > NULL` would find no unit free.
      if (parameters[name] === undefined) throw new Error(`no value for :${name} in ${text}`);
      return parameters[name];
    });
    return preparedQuery<T>(this.txHost.tx, text, values);
  }
}

/** MariaDB's answer to NOWAIT on a locked row (ER_LOCK_WAIT_TIMEOUT, at once). */
function isLockNotGranted(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { errno?: number }).errno === 1205;
}
