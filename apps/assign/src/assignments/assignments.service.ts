import { AllocationRequested, StorageAssigned, StorageReleased, StorageUnavailable } from '@app/contracts';
import { Outbox, WouldWaitForLock, mayWaitForLocks } from '@app/messaging';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { StorageUnit } from '../storage-units/storage-unit.entity';
import { release } from './assignment';
import { Assignment } from './assignment.entity';
import { AssignmentsRepository } from './assignments.repository';

/**
 * No double booking, with any number of assign processes: every writer of an ACTIVE assignment
 * first locks the unit's row, then re-checks for overlap in READ COMMITTED (set for all our
 * transactions), where it sees every assignment committed by whoever held the lock before it.
 *
 * No deadlock: a message applied in a batch never waits for a unit or assignment lock (SKIP
 * LOCKED, NOWAIT). When it skipped a locked unit and found no other, it cannot tell "none free"
 * from "one is being taken", so it throws WouldWaitForLock and the batch is applied one message at
 * a time. Alone, a message locks its rental's assignment, then candidates in ascending id order:
 * the only waits that can chain are in that one order, and a batch holding a lock never waits.
 */
@Injectable()
export class AssignmentsService {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly outbox: Outbox,
    private readonly repository: AssignmentsRepository,
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
    return this.repository.lockAssignment(rentalId, mayWaitForLocks());
  }

  private async takeFreeUnit(request: AllocationRequested): Promise<StorageUnit | null> {
    const wait = mayWaitForLocks();
    let skipped = false;
    let afterId = 0;
    for (;;) {
      const candidate = await this.repository.firstFreeUnitAfter(request, afterId);
      if (!candidate) {
        if (skipped) throw new WouldWaitForLock(`a ${request.size} unit in ${request.location} is being taken`);
        return null;
      }
      // The query above may have read a moment too early; under the lock, ask again.
      if (await this.repository.lockUnit(candidate.id, wait)) {
        const stillFree = await this.repository.freeUnit(candidate.id, request);
        if (stillFree) return stillFree;
      } else {
        skipped = true;
      }
      afterId = candidate.id;
    }
  }
}
