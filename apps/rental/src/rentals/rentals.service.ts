import { RentalAbandoned, RentalCancelled, RentalRequested } from '@app/contracts';
import { Outbox } from '@app/messaging';
import {
  Caller,
  ConflictError,
  InvalidInputError,
  NotFoundError,
  RentalTerms,
  TemporarilyUnavailableError,
  UnprocessableError,
  isUniqueViolation,
  statusMoves,
} from '@app/platform';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable, Logger } from '@nestjs/common';
import { BrokenCircuitError } from 'cockatiel';
import { randomUUID } from 'node:crypto';
import { ApplyRentalDto } from './apply-rental.dto';
import { ManageClient, isTurnedAway } from './manage.client';
import { RENTAL_STATUSES, RentalStatus, afterAccepted, isCancellable, requestHash } from './rental';
import { Rental } from './rental.entity';
import { RentalsRepository } from './rentals.repository';

export class RentalNotFoundError extends NotFoundError {}
export class RentalNotCancellableError extends ConflictError {}
export class ApplicationInProgressError extends ConflictError {}
export class IdempotencyKeyReusedError extends UnprocessableError {}
export class AllocationUnavailableError extends TemporarilyUnavailableError {}

@Injectable()
export class RentalsService {
  private readonly logger = new Logger(RentalsService.name);
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly outbox: Outbox,
    private readonly manage: ManageClient,
    private readonly repository: RentalsRepository,
    private readonly terms: RentalTerms,
  ) {}

  private get rentals() {
    return this.txHost.tx.getRepository(Rental);
  }

  /**
   * The rental is saved PENDING before manage is asked, so that a crash in between leaves a trace;
   * it becomes REQUESTED (and RentalRequested is published) only once manage has accepted.
   */
  async apply(application: ApplyRentalDto, caller: Caller, idempotencyKey?: string): Promise<Rental> {
    const customerId = caller.customerScope(application.customerId);
    if (!customerId) throw new InvalidInputError('customerId', 'customerId is required when an admin applies for a customer');
    const dto = { ...application, customerId };
    // A retry of an application taken before gets the stored rental, whatever holds new ones back
    // now: an open circuit, or a start date that midnight has made past.
    const hash = requestHash(dto);
    const earlier = idempotencyKey ? await this.rentals.findOneBy({ customerId, idempotencyKey }) : null;
    if (earlier) return this.replay(earlier, hash);
    const problem = this.terms.periodProblem(dto.startDate, dto.endDate);
    if (problem) throw new InvalidInputError(problem.field, problem.message);
    if (this.manage.refusesCalls) throw this.unavailable('manage is not answering');
    if (this.manage.isFull) throw this.unavailable('too many applications at once');

    const rental = this.rentals.create({
      id: randomUUID(),
      ...dto,
      costCents: this.terms.priceCents(dto.size, dto.startDate, dto.endDate),
      currency: this.terms.currency,
      status: 'PENDING',
      unitCode: null,
      reason: null,
      idempotencyKey: idempotencyKey ?? null,
      requestHash: hash,
    });
    try {
      await this.repository.insert(rental);
    } catch (error) {
      // A concurrent request with the same key got there first.
      if (!idempotencyKey || !isUniqueViolation(error)) throw error;
      const winner = await this.rentals.findOneByOrFail({ customerId, idempotencyKey });
      return this.replay(winner, hash);
    }

    try {
      await this.manage.requestAllocation(rental);
    } catch (error) {
      this.logger.warn(`Allocation request for rental ${rental.id} failed: ${(error as Error).message}`);
      if (await this.abandonIfPending(rental.id, (error as Error).message)) {
        throw this.unavailable(
          error instanceof BrokenCircuitError
            ? 'manage is not answering'
            : isTurnedAway(error)
              ? 'too many applications at once'
              : 'the allocation request did not go through',
        );
      }
      // The outcome overtook manage's late answer: the request did arrive, so the application stands.
    }
    return this.accept(rental);
  }

  /** Another customer's rental is not found: its existence is not theirs to learn. */
  async find(id: string, caller: Caller): Promise<Rental> {
    const rental = await this.rentals.findOneBy({ id });
    if (!rental || !caller.mayActFor(rental.customerId)) throw new RentalNotFoundError(`No rental ${id}`);
    return rental;
  }

  async cancel(id: string, caller: Caller): Promise<Rental> {
    return this.outbox.inTransaction(async () => {
      const rental = await this.lock(id);
      if (!rental || !caller.mayActFor(rental.customerId)) throw new RentalNotFoundError(`No rental ${id}`);
      if (!isCancellable(rental.status)) {
        throw new RentalNotCancellableError(`Rental ${id} is ${rental.status} and cannot be cancelled`);
      }
      rental.status = 'CANCELLED';
      await this.rentals.update({ id }, { status: rental.status });
      await this.outbox.add(RentalCancelled, { rentalId: id, customerId: rental.customerId });
      return rental;
    });
  }

  /**
   * Runs inside the consumer's transaction. An outcome for a rental still PENDING proves manage
   * had the request, so the application stands; whichever of this and accept() moves the rental
   * out of PENDING (the row lock lets only one) publishes RentalRequested.
   */
  async recordOutcome(
    id: string,
    next: (status: RentalStatus) => RentalStatus,
    fields: { unitCode?: string; reason?: string },
  ): Promise<void> {
    const outcome = await this.repository.recordOutcome(id, statusMoves(RENTAL_STATUSES, next), fields);
    if (!outcome) throw new RentalNotFoundError(`No rental ${id}`);
    if (outcome.moved && outcome.previousStatus === 'PENDING') await this.publishRequested(await this.rentals.findOneByOrFail({ id }));
  }

  private async accept(rental: Rental): Promise<Rental> {
    const status = afterAccepted(rental.status);
    if (await this.repository.acceptPending(rental.id, status, this.outbox.row(RentalRequested, requestedPayload(rental)))) {
      this.outbox.written();
      return { ...rental, status };
    }
    const current = await this.rentals.findOneBy({ id: rental.id });
    if (!current) throw new RentalNotFoundError(`No rental ${rental.id}`);
    // The sweeper gave up on it (this call outlived ABANDON_PENDING_AFTER_MS): manage cancels it.
    if (current.status === 'ABANDONED') throw this.unavailable('the allocation request took too long');
    return current; // the outcome came first and published RentalRequested
  }

  private publishRequested(rental: Rental) {
    return this.outbox.add(RentalRequested, requestedPayload(rental));
  }

  /**
   * manage may have recorded the allocation even though we gave up waiting, so we tell it the
   * application is abandoned; it cancels the allocation or refuses it later. Returns false when
   * the rental is no longer PENDING, because an outcome for it has already arrived.
   */
  async abandonIfPending(id: string, why: string): Promise<boolean> {
    const reason = why.slice(0, 200);
    return this.outbox.inTransaction(async () => {
      const { affected } = await this.rentals.update({ id, status: 'PENDING' }, { status: 'ABANDONED', idempotencyKey: null, reason });
      if (!affected) return false;
      await this.outbox.add(RentalAbandoned, { rentalId: id, reason });
      return true;
    });
  }

  private replay(earlier: Rental, requestHash: string): Rental {
    if (earlier.requestHash !== requestHash) {
      throw new IdempotencyKeyReusedError('This Idempotency-Key was used with a different request body');
    }
    if (earlier.status === 'PENDING') {
      throw new ApplicationInProgressError('The first request with this Idempotency-Key is still in progress');
    }
    return earlier;
  }

  private unavailable(why: string): AllocationUnavailableError {
    return new AllocationUnavailableError(
      `Rental applications cannot be taken right now (${why}); please try again shortly`,
      this.manage.retryAfterSeconds,
    );
  }

  private lock(id: string): Promise<Rental | null> {
    return this.rentals.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }
}

function requestedPayload(rental: Rental) {
  return {
    rentalId: rental.id,
    customerId: rental.customerId,
    phone: rental.phone,
    location: rental.location,
    size: rental.size,
    startDate: rental.startDate,
    endDate: rental.endDate,
    costCents: rental.costCents,
    currency: rental.currency,
  };
}
