import { AllocationRequested, StorageAssigned, StorageReleased, StorageUnavailable } from '@app/contracts';
import { Outbox } from '@app/messaging';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { StorageUnit } from '../storage-units/storage-unit.entity';
import { release } from './assignment';
import { Assignment } from './assignment.entity';

/** The SQL twin of periodsOverlap(): an ACTIVE assignment of the unit shares a day with the period. */
const OVERLAPPING_ASSIGNMENT = `
  SELECT 1 FROM assignment booked
  WHERE booked.unit_id = candidate.id AND booked.status = 'ACTIVE'
    AND booked.start_date <= :endDate AND booked.end_date >= :startDate`;

/**
 * No double booking, with any number of assign processes: every writer of an ACTIVE assignment
 * first locks the unit's row, then re-checks for overlap in READ COMMITTED (set for all our
 * transactions), where it sees every assignment committed by whoever held the lock before it.
 * Candidates are locked in ascending id order, so two transactions never wait on each other in a cycle.
 */
@Injectable()
export class AssignmentsService {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly outbox: Outbox,
  ) {}

  private get assignments() {
    return this.txHost.tx.getRepository(Assignment);
  }

  /** Runs inside the consumer's transaction. */
  async assign(request: AllocationRequested): Promise<void> {
    if (await this.lockAssignment(request.rentalId)) return; // cancelled before it arrived, or done already
    const period = { startDate: request.startDate, endDate: request.endDate };
    const unit = await this.takeFreeUnit(request);
    if (unit) {
      await this.assignments.insert({
        rentalId: request.rentalId,
        unitId: unit.id,
        unitCode: unit.code,
        location: request.location,
        size: request.size,
        ...period,
        status: 'ACTIVE',
      });
      await this.outbox.add(StorageAssigned, { rentalId: request.rentalId, unitCode: unit.code });
      return;
    }
    const reason = `No ${request.size} unit is free in ${request.location} from ${request.startDate} to ${request.endDate}`;
    await this.assignments.insert({
      rentalId: request.rentalId,
      location: request.location,
      size: request.size,
      ...period,
      status: 'UNAVAILABLE',
      reason,
    });
    await this.outbox.add(StorageUnavailable, { rentalId: request.rentalId, reason });
  }

  /** Runs inside the consumer's transaction. */
  async release(rentalId: string): Promise<void> {
    const assignment = await this.lockAssignment(rentalId);
    if (!assignment) {
      // The cancel overtook the request: leave a tombstone so the request, when it comes, takes nothing.
      await this.assignments.insert({ rentalId, status: 'CANCELLED' });
      return;
    }
    const outcome = release(assignment.status);
    if (!outcome.released) return;
    await this.assignments.update({ rentalId }, { status: outcome.status });
    await this.outbox.add(StorageReleased, { rentalId, unitCode: assignment.unitCode ?? '' });
  }

  private lockAssignment(rentalId: string): Promise<Assignment | null> {
    return this.assignments.findOne({ where: { rentalId }, lock: { mode: 'pessimistic_write' } });
  }

  private async takeFreeUnit(request: AllocationRequested): Promise<StorageUnit | null> {
    const units = this.txHost.tx.getRepository(StorageUnit);
    const where = { location: request.location, size: request.size, startDate: request.startDate, endDate: request.endDate };
    let afterId = 0;
    for (;;) {
      const candidate = await units
        .createQueryBuilder('candidate')
        .where('candidate.location = :location AND candidate.size = :size AND candidate.id > :afterId', { ...where, afterId })
        .andWhere(`NOT EXISTS (${OVERLAPPING_ASSIGNMENT})`, where)
        .orderBy('candidate.id', 'ASC')
        .limit(1)
        .getOne();
      if (!candidate) return null;
      // The query above may have read a moment too early; under the lock, ask again.
      await units.createQueryBuilder('candidate').setLock('pessimistic_write').where('candidate.id = :id', { id: candidate.id }).getOne();
      const stillFree = await units
        .createQueryBuilder('candidate')
        .where('candidate.id = :id', { id: candidate.id })
        .andWhere(`NOT EXISTS (${OVERLAPPING_ASSIGNMENT})`, where)
        .getOne();
      if (stillFree) return stillFree;
      afterId = candidate.id;
    }
  }
}
