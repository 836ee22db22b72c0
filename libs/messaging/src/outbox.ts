import { EventEnvelope, EventType } from '@app/contracts';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { context, propagation } from '@opentelemetry/api';
import { ClsService } from 'nestjs-cls';
import { randomUUID } from 'node:crypto';
import { OutboxMessage } from './outbox-message.entity';
import { OutboxRelay } from './outbox-relay';

/** Where inTransaction counts the events its transaction adds. */
const EVENTS_ADDED = 'outbox:eventsAdded';

/**
 * The only way our apps emit events: `add` writes the event in the current transaction, so it
 * exists exactly when the state change it reports does, and the relay publishes it afterwards.
 */
@Injectable()
export class Outbox {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly cls: ClsService,
    private readonly relay: OutboxRelay,
  ) {}

  /**
   * Runs `work` in one database transaction, then wakes the relay if it added events. A
   * transaction that added none (most consumers') wakes nothing: a relay pass costs round trips.
   */
  async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    const added = { events: 0 };
    // withTransaction runs in a nested CLS context: what is set there stays with this transaction.
    const result = await this.txHost.withTransaction(() => {
      this.cls.set(EVENTS_ADDED, added);
      return work();
    });
    if (added.events > 0) this.relay.wake();
    return result;
  }

  async add<P extends object>(event: EventType<P>, payload: P): Promise<EventEnvelope<P>> {
    if (!this.txHost.isTransactionActive()) {
      throw new Error(`${event.type} must be added inside Outbox.inTransaction, with the change it reports`);
    }
    const envelope: EventEnvelope<P> = {
      id: randomUUID(),
      type: event.type,
      version: event.version,
      occurredAt: new Date().toISOString(),
      correlationId: (this.cls.isActive() && this.cls.getId()) || randomUUID(),
      payload,
    };
    // The relay publishes later, outside this context: keep the trace context with the event.
    const trace: { traceparent?: string } = {};
    propagation.inject(context.active(), trace);
    const added = this.cls.get<{ events: number } | undefined>(EVENTS_ADDED);
    if (added) added.events += 1;
    await this.txHost.tx.getRepository(OutboxMessage).insert({
      messageId: envelope.id,
      traceContext: trace.traceparent ?? null,
      type: event.type,
      routingKey: event.routingKey,
      correlationId: envelope.correlationId,
      body: JSON.stringify(envelope),
    });
    return envelope;
  }
}
