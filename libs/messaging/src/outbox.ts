import { EventEnvelope, EventType } from '@app/contracts';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { context, propagation } from '@opentelemetry/api';
import { ClsService } from 'nestjs-cls';
import { randomUUID } from 'node:crypto';
import { OutboxRelay } from './outbox-relay';
import { OutboxRepository, OutboxRow } from './outbox.repository';

/** Where inTransaction counts the events its transaction adds. */
const EVENTS_ADDED = 'outbox:eventsAdded';
/** CLS key: the id of the message being handled (EventConsumer sets it), the cause of what it emits. */
export const CAUSATION_ID = 'messaging.causationId';

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
    private readonly repository: OutboxRepository,
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

  async add<P extends object>(event: EventType<P>, payload: P): Promise<void> {
    if (!this.txHost.isTransactionActive()) {
      throw new Error(`${event.type} must be added inside Outbox.inTransaction, with the change it reports`);
    }
    const added = this.cls.get<{ events: number } | undefined>(EVENTS_ADDED);
    if (added) added.events += 1;
    await this.repository.insert(this.txHost.tx, this.row(event, payload));
  }

  /**
   * The event as the outbox row the relay will publish, for a repository that writes it in the
   * same statement as the change it reports (outboxInsert); call written() once that committed.
   */
  row<P extends object>(event: EventType<P>, payload: P): OutboxRow {
    const envelope: EventEnvelope<P> = {
      id: randomUUID(),
      type: event.type,
      version: event.version,
      occurredAt: new Date().toISOString(),
      correlationId: (this.cls.isActive() && this.cls.getId()) || randomUUID(),
      ...this.causation(),
      payload,
    };
    // The relay publishes later, outside this context: keep the trace context with the event.
    const trace: { traceparent?: string } = {};
    propagation.inject(context.active(), trace);
    return {
      messageId: envelope.id,
      traceContext: trace.traceparent ?? null,
      type: event.type,
      routingKey: event.routingKey,
      correlationId: envelope.correlationId,
      body: JSON.stringify(envelope),
    };
  }

  /** The message being handled, if any: an event emitted while handling one names it as its cause. */
  private causation(): { causationId?: string } {
    const causationId = this.cls.isActive() ? this.cls.get<string | undefined>(CAUSATION_ID) : undefined;
    return causationId ? { causationId } : {};
  }

  /** A statement of a repository's own committed outbox rows: the relay publishes them now. */
  written(): void {
    this.relay.wake();
  }
}
