import { AllocationRequested, StorageAssigned, StorageReleased, StorageUnavailable } from '@app/contracts';
import { Outbox, WouldWaitForLock, mayWaitForLocks } from '@app/messaging';
import { Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { release } from './assignment';
import { AssignmentOfRental, AssignmentsRepository, FreeUnit, PROBE_KEYS, ProbePosition } from './assignments.repository';

/** How many free candidates one read of the random-order search returns. */
export const CANDIDATES_PER_READ = 4;

/**
 * No double booking, with any number of assign processes: every writer of an ACTIVE assignment
 * first locks the unit's row, then re-checks for overlap in READ COMMITTED (set for all our
 * transactions), where it sees every committed assignment of whoever held the lock before it.
 *
 * A cost that does not grow with inventory: the search starts at a random probe key and walks the
 * units in probe-key order, which is unrelated to ids and to the order units were booked in, so the
 * booked units it passes before a free one are as few as with random placement (about 2 at half
 * booked), at 1,000 units or 100,000.
 *
 * No deadlock: that search never waits for a lock (SKIP LOCKED for units, NOWAIT for the rental's
 * assignment). When it skipped a locked unit and found no other, it cannot tell "none free" from
 * "one is being taken", so it throws WouldWaitForLock; the consumer rolls back and applies the
 * message again alone, in a fresh transaction that may wait. That one locks the rental's
 * assignment, then walks every unit in ascending id order, waiting for each lock: the exhaustive
 * search, so a skipped lock never causes a false rejection. The only waits that can chain are
 * those of fresh transactions in that one order; a transaction that holds a lock without that
 * leave never waits, so no cycle can close.
 */
@Injectable()
export class AssignmentsService {
  constructor(
    private readonly outbox: Outbox,
    private readonly repository: AssignmentsRepository,
  ) {}

  /** Runs inside the consumer's transaction. */
  async assign(request: AllocationRequested): Promise<void> {
    if (await this.lockAssignment(request.rentalId)) return; // cancelled before it arrived, or done already
    const period = { startDate: request.startDate, endDate: request.endDate };
    const unit = await this.takeFreeUnit(request);
    if (unit) {
      await this.repository.insert({
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
    await this.repository.insert({
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
      await this.repository.insert({ rentalId, status: 'CANCELLED' });
      return;
    }
    const outcome = release(assignment.status);
    if (!outcome.released) return;
    await this.repository.setStatus(rentalId, outcome.status);
    await this.outbox.add(StorageReleased, { rentalId, unitCode: assignment.unitCode ?? '' });
  }

  private lockAssignment(rentalId: string): Promise<AssignmentOfRental | null> {
    return this.repository.lockAssignment(rentalId, mayWaitForLocks());
  }

  private async takeFreeUnit(request: AllocationRequested): Promise<FreeUnit | null> {
    if (mayWaitForLocks()) return this.firstFreeUnitWaiting(request);
    const { unit, skipped } = await this.freeUnitFromRandomPoint(request);
    if (!unit && skipped) throw new WouldWaitForLock(`a ${request.size} unit in ${request.location} is being taken`);
    return unit;
  }

  /** From a random probe key to the end, then from the start up to it: every unit once, none waited for. */
  private async freeUnitFromRandomPoint(request: AllocationRequested): Promise<{ unit: FreeUnit | null; skipped: boolean }> {
    const start = randomInt(PROBE_KEYS);
    let skipped = false;
    for (const [from, below] of [
      [start, PROBE_KEYS],
      [0, start],
    ]) {
      // id 0 is below every id, so the first read includes units whose key is `from` itself.
      let after: ProbePosition = { probeKey: from, id: 0 };
      for (;;) {
        const candidates = await this.repository.freeUnitsInProbeOrder(request, after, below, CANDIDATES_PER_READ);
        for (const candidate of candidates) {
          // The read above took no lock and may be a moment old; under the lock, ask again.
          if (!(await this.repository.lockUnit(candidate.id, false))) skipped = true;
          else if (await this.repository.freeUnit(candidate.id, request)) return { unit: candidate, skipped };
        }
        if (candidates.length < CANDIDATES_PER_READ) break;
        const last = candidates[candidates.length - 1];
        after = { probeKey: last.probeKey, id: last.id };
      }
    }
    return { unit: null, skipped };
  }

  /** Every unit in ascending id order, waiting for each lock: the search that may say "none is free" after skipping none. */
  private async firstFreeUnitWaiting(request: AllocationRequested): Promise<FreeUnit | null> {
    for (let afterId = 0; ;) {
      const candidate = await this.repository.firstFreeUnitAfter(request, afterId);
      if (!candidate) return null;
      if (await this.repository.lockUnit(candidate.id, true)) {
        const stillFree = await this.repository.freeUnit(candidate.id, request);
        if (stillFree) return stillFree;
      }
      afterId = candidate.id;
    }
  }
}
