import { AllocationCancelled, AllocationRequested } from '@app/contracts';
import { Outbox } from '@app/messaging';
import { Caller, ConflictError, ForbiddenError, NotFoundError, statusMoves } from '@app/platform';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { ALLOCATION_STATUSES, AllocationStatus, cancel } from './allocation';
import { Allocation } from './allocation.entity';
import { AllocationsRepository } from './allocations.repository';
import { RequestAllocationDto } from './request-allocation.dto';

export class AllocationNotFoundError extends NotFoundError {}
export class AllocationCancelledError extends ConflictError {}

@Injectable()
export class AllocationsService {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly outbox: Outbox,
    private readonly repository: AllocationsRepository,
  ) {}

  private get allocations() {
    return this.txHost.tx.getRepository(Allocation);
  }

  /**
   * Idempotent by rental id: rental may call again after a timeout, and gets the same allocation.
   * Returns whether this call created it.
   */
  async request(dto: RequestAllocationDto, caller: Caller): Promise<{ allocation: Allocation; created: boolean }> {
    if (!caller.mayActFor(dto.customerId)) throw new ForbiddenError('An allocation is requested on behalf of its own customer only');
    const event = this.outbox.row(AllocationRequested, {
      rentalId: dto.rentalId,
      location: dto.location,
      size: dto.size,
      startDate: dto.startDate,
      endDate: dto.endDate,
    });
    const written = await this.repository.create(dto, 'REQUESTED', event);
    if (written) {
      this.outbox.written();
      return {
        allocation: this.allocations.create({ ...dto, status: 'REQUESTED', unitCode: null, reason: null, ...written }),
        created: true,
      };
    }
    const existing = await this.allocations.findOneByOrFail({ rentalId: dto.rentalId });
    if (existing.status === 'CANCELLED' && existing.location === null) {
      throw new AllocationCancelledError(`Rental ${dto.rentalId} was abandoned; apply again with a new rental`);
    }
    // Someone else's rental id: say nothing about that allocation.
    if (existing.customerId !== dto.customerId) throw new AllocationNotFoundError(`No allocation for rental ${dto.rentalId}`);
    return { allocation: existing, created: false };
  }

  /** Another customer's allocation is not found: its existence is not theirs to learn. */
  async find(rentalId: string, caller: Caller): Promise<Allocation> {
    const allocation = await this.allocations.findOneBy({ rentalId });
    if (!allocation || !caller.mayActFor(allocation.customerId ?? ''))
      throw new AllocationNotFoundError(`No allocation for rental ${rentalId}`);
    return allocation;
  }

  /** Runs inside the consumer's transaction. */
  async recordOutcome(
    rentalId: string,
    next: (status: AllocationStatus) => AllocationStatus,
    fields: { unitCode?: string; reason?: string },
  ) {
    if (!(await this.repository.recordOutcome(rentalId, statusMoves(ALLOCATION_STATUSES, next), fields))) {
      throw new AllocationNotFoundError(`No allocation for rental ${rentalId} yet`);
    }
  }

  /**
   * Runs inside the consumer's transaction. A cancel for an allocation we never saw leaves a
   * tombstone, so that a request arriving late (rental gave up waiting for it) is refused.
   */
  async cancel(rentalId: string): Promise<void> {
    const allocation = await this.lock(rentalId);
    if (!allocation) {
      await this.allocations.insert({ rentalId, status: 'CANCELLED' });
      return;
    }
    const outcome = cancel(allocation.status);
    if (outcome.status === allocation.status) return;
    await this.allocations.update({ rentalId }, { status: outcome.status });
    if (outcome.tellAssign) await this.outbox.add(AllocationCancelled, { rentalId });
  }

  private lock(rentalId: string): Promise<Allocation | null> {
    return this.allocations.findOne({ where: { rentalId }, lock: { mode: 'pessimistic_write' } });
  }
}
