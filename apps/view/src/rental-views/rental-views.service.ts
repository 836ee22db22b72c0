import { EventEnvelope } from '@app/contracts';
import { Caller, NotFoundError } from '@app/platform';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { ListByCustomerQuery, Page } from '../list-by-customer.query';
import { notificationMessage } from '../notifications/notification-message';
import { NotificationSender } from '../notifications/notification-sender';
import { Histogram } from 'prom-client';
import { isNotifiable, isOutcome, statusProposedBy } from './rental-view';
import { RentalViewEvent } from './rental-view-event.entity';
import { RentalView } from './rental-view.entity';
import { RentalViewsRepository } from './rental-views.repository';

export class RentalViewNotFoundError extends NotFoundError {}

/** From the application (RentalRequested, just before rental's 201) to the outcome being visible here. */
const sagaLag = new Histogram({
  name: 'saga_lag_seconds',
  help: 'Time from a rental application until the read model shows its outcome, by outcome',
  labelNames: ['outcome'],
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});

/** The fields any of our events may carry about a rental; each event sets those it has. */
type RentalFacts = { rentalId: string } & Partial<
  Pick<
    RentalView,
    'customerId' | 'phone' | 'location' | 'size' | 'startDate' | 'endDate' | 'costCents' | 'currency' | 'unitCode' | 'reason'
  >
>;

@Injectable()
export class RentalViewsService {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly notifications: NotificationSender,
    private readonly repository: RentalViewsRepository,
  ) {}

  private get views() {
    return this.txHost.tx.getRepository(RentalView);
  }

  /** Runs inside the consumer's transaction; the repository's one statement applies the event. */
  async apply(envelope: EventEnvelope<RentalFacts>): Promise<void> {
    const { rentalId, ...facts } = envelope.payload;
    const changes: Partial<RentalView> = definedOnly(facts);
    if (envelope.type === 'RentalRequested') changes.requestedAt = new Date(envelope.occurredAt);
    const view = await this.repository.apply(rentalId, statusProposedBy(envelope.type), changes, {
      messageId: envelope.id,
      type: envelope.type,
      occurredAt: new Date(envelope.occurredAt),
      correlationId: envelope.correlationId,
      causationId: envelope.causationId ?? null,
    });

    // Wait for RentalRequested: without it we know neither whom to tell nor what they rented.
    if (!isNotifiable(view.status) || !view.customerId || !view.requestedAt) return;
    const sentNow = await this.notifications.send({
      rentalId,
      customerId: view.customerId,
      phone: view.phone,
      kind: view.status,
      message: notificationMessage(view.status, view),
    });
    // An outcome's first notice is when the customer could first see it: where the saga's lag ends.
    if (sentNow && isOutcome(view.status)) {
      sagaLag.observe({ outcome: view.status }, (Date.now() - view.requestedAt.getTime()) / 1000);
    }
  }

  /**
   * Another customer's rental is not found: its existence is not theirs to learn. The row and its
   * history are read from one snapshot: read apart, an event applied in between showed in the
   * history but not in the row (a RentalRequested line beside a row without its customer).
   */
  find(rentalId: string, caller: Caller) {
    return this.txHost.withTransaction({ isolationLevel: 'REPEATABLE READ' }, async () => {
      const view = await this.views.findOneBy({ rentalId });
      if (!view || !caller.mayActFor(view.customerId ?? '')) throw new RentalViewNotFoundError(`No rental ${rentalId}`);
      const history = await this.txHost.tx
        .getRepository(RentalViewEvent)
        .find({ where: { rentalId }, order: { occurredAt: 'ASC', messageId: 'ASC' } });
      return { ...toResponse(view), history: history.map(historyEntry) };
    });
  }

  /** `customerId` undefined: everyone's (admins only; see Caller.customerScope). */
  async list(customerId: string | undefined, query: ListByCustomerQuery): Promise<Page<ReturnType<typeof toResponse>>> {
    const [views, total] = await this.views.findAndCount({
      where: customerId === undefined ? {} : { customerId },
      order: { requestedAt: 'DESC', rentalId: 'ASC' },
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
    });
    return { items: views.map(toResponse), page: query.page, pageSize: query.pageSize, total };
  }
}

function toResponse(view: RentalView) {
  return {
    id: view.rentalId,
    customerId: view.customerId,
    location: view.location,
    size: view.size,
    startDate: view.startDate,
    endDate: view.endDate,
    cost: view.costCents === null ? null : view.costCents / 100,
    currency: view.currency,
    status: view.status,
    unitCode: view.unitCode ?? undefined,
    reason: view.reason ?? undefined,
    requestedAt: view.requestedAt,
  };
}

/** A history line as clients see it: its event's id, so that a later line's causationId can point at it. */
function historyEntry(line: RentalViewEvent) {
  return {
    id: line.messageId,
    type: line.type,
    at: line.occurredAt,
    correlationId: line.correlationId,
    causationId: line.causationId ?? undefined,
  };
}

function definedOnly<T extends object>(facts: T): Partial<T> {
  return Object.fromEntries(Object.entries(facts).filter(([, value]) => value !== undefined)) as Partial<T>;
}
