import { EventEnvelope, EventEnvelopeDto, EventType, rentalOf, routingKeyOf } from '@app/contracts';
import { CORRELATION_HEADER, CORRELATION_SPAN_ATTRIBUTE, correlationIdFrom } from '@app/correlation';
import { LOGGED_EVENT, isValidInstance } from '@app/platform';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { Context, SpanKind, context, propagation, trace } from '@opentelemetry/api';
import type { Channel, ConsumeMessage } from 'amqplib';
import { validateSync } from 'class-validator';
import { CLS_ID, ClsService } from 'nestjs-cls';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { APP_NAME } from './app-name';
import { BrokerConnection } from './broker-connection';
import { BrokerConfig } from './broker.config';
import { HANDLED_EVENT } from './handles-event.decorator';
import { DuplicateMessage, Inbox } from './inbox';
import { MAY_WAIT_FOR_LOCKS, WouldWaitForLock } from './lock-waits';
import { batchSizes, eventsConsumed, eventsInHand } from './messaging.metrics';
import { CAUSATION_ID, Outbox } from './outbox';
import { OutboxRelay } from './outbox-relay';
import {
  ATTEMPT_HEADER,
  DEAD_LETTER_REASON_HEADER,
  ORIGINAL_ROUTING_KEY_HEADER,
  attemptOf,
  queuesOf,
  retryDelayMs,
  retryQueueOf,
} from './queues';

const REQUEUE_PAUSE_MS = 1000;
const IN_FLIGHT_POLL_MS = 20;
const tracer = trace.getTracer('storage-rental-messaging');

/** A @HandlesEvent method, bound to its provider. */
interface Handler {
  event: EventType;
  handle: (envelope: unknown) => Promise<void>;
}

/** A valid message waiting for its batch: what applying it needs, and how to tell its caller. */
interface Delivery {
  event: EventType;
  channel: Channel;
  message: ConsumeMessage;
  envelope: EventEnvelope;
  apply: () => Promise<void>;
  correlationId: string;
  traceContext: Context;
  done: () => void;
}

/**
 * What happens to every inbound message, in one place: restore its correlation id, validate it,
 * apply it at most once (inbox row and effect in one transaction), ack only after the commit,
 * retry a failure with growing delays, and dead-letter what cannot succeed. Messages that arrive
 * together are applied in one transaction (up to AMQP_BATCH_SIZE), rental by rental and each
 * rental's in delivery order; if any of them fails, the batch rolls back and each is applied
 * alone, so that only that one is retried. Up to AMQP_BATCHES_IN_FLIGHT batches run at once, and
 * a rental's events are never in two of them: a later event waits until the earlier batch is done.
 */
@Injectable()
export class EventConsumer implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventConsumer.name);
  private readonly queues: ReturnType<typeof queuesOf>;
  /** The shared exchange: the one route by which another app's message can reach us. */
  private readonly exchange: string;
  private inFlight = 0;
  /** The app's @HandlesEvent methods by routing key, found when consuming starts. */
  private handlers = new Map<string, Handler>();
  /** Valid messages that have arrived and wait for a batch, in arrival order. */
  private readonly waiting: Delivery[] = [];
  /** The rentals whose events are in a batch being applied. */
  private readonly rentalsInHand = new Set<string>();
  private batchesInFlight = 0;
  private startScheduled = false;

  constructor(
    @Inject(APP_NAME) private readonly app: string,
    private readonly cls: ClsService,
    private readonly outbox: Outbox,
    private readonly inbox: Inbox,
    private readonly broker: BrokerConnection,
    private readonly config: ConfigService<BrokerConfig, true>,
    private readonly relay: OutboxRelay,
    private readonly dataSource: DataSource,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {
    this.queues = queuesOf(app);
    this.exchange = config.get('AMQP_EXCHANGE', { infer: true });
  }

  /**
   * Runs after the readiness drain (Terminus's hook comes first): stop taking messages, let those
   * in hand finish and be acked, then publish what they wrote. Anything still unacked when the
   * channel closes is redelivered to another consumer, and the inbox absorbs it if it was applied.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.broker.stopConsuming();
    this.logger.log(`Stopped consuming; ${this.inFlight} message(s) in hand`);
    const deadline = Date.now() + this.config.get('SHUTDOWN_TIMEOUT_MS', { infer: true }) / 2;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, IN_FLIGHT_POLL_MS));
    await this.relay.stop();
  }

  /**
   * Finds the app's handlers and consumes its events queue. It returns at once: a broker that is down
   * must not keep the HTTP side (and its probes) from serving, and /health shows the consumer.
   */
  start(): void {
    this.handlers = this.findHandlers();
    this.broker.startConsuming(this.queues.events, this.config.get('AMQP_PREFETCH', { infer: true }), (channel, message) =>
      this.receive(channel, message),
    );
  }

  private findHandlers(): Map<string, Handler> {
    const handlers = new Map<string, Handler>();
    for (const { instance } of this.discovery.getProviders()) {
      if (!instance || typeof instance !== 'object') continue;
      for (const name of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
        const method = (instance as Record<string, (envelope: unknown) => unknown>)[name];
        const event = this.reflector.get<EventType | undefined>(HANDLED_EVENT, method);
        if (!event) continue;
        if (handlers.has(event.routingKey)) throw new Error(`Two handlers for ${event.routingKey}`);
        handlers.set(event.routingKey, { event, handle: async (envelope) => void (await method.call(instance, envelope)) });
      }
    }
    return handlers;
  }

  /**
   * A delivery, routed by its envelope's type and version. One that is not JSON, or of a type or
   * version no handler takes, is rejected, and the queue's dead-letter arguments keep it.
   */
  private receive(channel: Channel, message: ConsumeMessage): void {
    const data = parsedJson(message.content);
    const envelope = data as { type?: unknown; version?: unknown } | undefined;
    const handler =
      typeof envelope?.type === 'string' && Number.isInteger(envelope.version)
        ? this.handlers.get(routingKeyOf(envelope.type, envelope.version as number))
        : undefined;
    if (!handler) {
      this.logger.warn(
        `Rejected message ${message.properties.messageId ?? '(no id)'}: no handler (not JSON, or an unknown type or version)`,
      );
      this.settle(() => channel.nack(message, false, false));
      return;
    }
    this.consume(handler.event, channel, message, data, () => handler.handle(data)).catch((error: unknown) =>
      this.logger.error(`A message could not be settled: ${String(error)}`),
    );
  }

  private async consume(
    event: EventType,
    channel: Channel,
    message: ConsumeMessage,
    data: unknown,
    apply: () => Promise<void>,
  ): Promise<void> {
    this.inFlight += 1;
    eventsInHand.inc();
    const envelope = data as Partial<EventEnvelope>;
    const correlationId = correlationIdFrom(envelope?.correlationId ?? message.properties.headers?.[CORRELATION_HEADER]);
    // The publisher's trace continues here (a no-op unless tracing is on).
    const parent = propagation.extract(context.active(), message.properties.headers ?? {});
    const span = tracer.startSpan(
      `${event.type} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'rabbitmq',
          'messaging.operation': 'process',
          'messaging.destination.name': message.fields.routingKey,
          'messaging.message.id': message.properties.messageId,
          [CORRELATION_SPAN_ATTRIBUTE]: correlationId,
        },
      },
      parent,
    );
    const traceContext = trace.setSpan(parent, span);
    try {
      const problem = this.forgedRoutingKey(event, message) ?? findProblem(event, data);
      if (problem) {
        await this.inMessageContext({ event, message, correlationId, traceContext }, () =>
          this.deadLetter(event, channel, message, `invalid ${event.type}: ${problem}`),
        );
        return;
      }
      await new Promise<void>((done) => {
        this.waiting.push({ event, channel, message, envelope: envelope as EventEnvelope, apply, correlationId, traceContext, done });
        // After this turn of the event loop: the deliveries read from the socket with this one join its batch.
        if (!this.startScheduled) {
          this.startScheduled = true;
          setImmediate(() => {
            this.startScheduled = false;
            this.startBatches();
          });
        }
      });
    } finally {
      span.end();
      this.inFlight -= 1;
      eventsInHand.dec();
    }
  }

  /** Starts batches from what is waiting while fewer than AMQP_BATCHES_IN_FLIGHT run; each one done starts the next. */
  private startBatches(): void {
    const most = this.config.get('AMQP_BATCHES_IN_FLIGHT', { infer: true });
    while (this.batchesInFlight < most) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      const rentals = new Set(batch.map((d) => rentalOf(d.envelope)));
      for (const rental of rentals) this.rentalsInHand.add(rental);
      this.batchesInFlight += 1;
      void this.applyBatch(batch)
        .catch((error: unknown) => this.logger.error(`A batch could not be settled: ${String(error)}`))
        .finally(() => {
          for (const rental of rentals) this.rentalsInHand.delete(rental);
          this.batchesInFlight -= 1;
          this.startBatches();
        });
    }
  }

  /**
   * Up to AMQP_BATCH_SIZE waiting deliveries whose rentals no running batch holds, in arrival
   * order. The others keep waiting in their order, so a rental's events are applied as they came.
   */
  private takeBatch(): Delivery[] {
    const size = this.config.get('AMQP_BATCH_SIZE', { infer: true });
    const batch: Delivery[] = [];
    const kept: Delivery[] = [];
    for (const delivery of this.waiting) {
      (batch.length < size && !this.rentalsInHand.has(rentalOf(delivery.envelope)) ? batch : kept).push(delivery);
    }
    this.waiting.splice(0, this.waiting.length, ...kept);
    return batch;
  }

  private async applyBatch(batch: Delivery[]): Promise<void> {
    batchSizes.observe(batch.length);
    if (batch.length === 1) return this.applyAlone(batch[0]);
    let applied: Set<Delivery>;
    try {
      applied = await this.outbox.inTransaction(async () => {
        const fresh = await this.inbox.recordNew(batch.map((d) => d.envelope));
        const done = new Set<Delivery>();
        const seen = new Set<string>();
        // By rental, so that two consumers lock rentals' rows in one order and never deadlock; one
        // rental's events keep their delivery order (the sort is stable).
        const byRental = [...batch].sort((a, b) =>
          rentalOf(a.envelope) < rentalOf(b.envelope) ? -1 : rentalOf(a.envelope) > rentalOf(b.envelope) ? 1 : 0,
        );
        for (const delivery of byRental) {
          // A twin in the same batch (an event published twice) is a duplicate of the first.
          if (!fresh.has(delivery.envelope.id) || seen.has(delivery.envelope.id)) continue;
          seen.add(delivery.envelope.id);
          await this.inMessageContext(delivery, delivery.apply);
          done.add(delivery);
        }
        return done;
      });
    } catch (error) {
      if (error instanceof WouldWaitForLock) {
        this.logger.log(`A batch of ${batch.length} messages met a lock held elsewhere (${error.message}); applying them one at a time`);
      } else {
        this.logger.warn(`A batch of ${batch.length} messages failed (${(error as Error).message}); applying them one at a time`);
      }
      for (const delivery of batch) await this.applyAlone(delivery);
      return;
    }
    // After the commit: each is acked, and tells how it went.
    for (const delivery of batch) {
      const { event, envelope, channel, message } = delivery;
      await this.inMessageContext(delivery, async () => {
        if (applied.has(delivery)) {
          eventsConsumed.inc({ type: event.type, outcome: 'applied' });
          this.logger.log(`Applied ${event.type} ${envelope.id}`);
        } else {
          eventsConsumed.inc({ type: event.type, outcome: 'duplicate' });
          this.logger.log(`Skipped a duplicate: ${event.type} ${envelope.id} was applied before`);
        }
      });
      this.settle(() => channel.ack(message));
      delivery.done();
    }
  }

  /** A message in a transaction of its own: the way a failure is retried or dead-lettered alone. */
  private async applyAlone(delivery: Delivery): Promise<void> {
    try {
      await this.inMessageContext(delivery, () =>
        this.applyOnce(delivery.event, delivery.channel, delivery.message, delivery.envelope, delivery.apply),
      );
    } finally {
      delivery.done();
    }
  }

  /** Runs `work` with the message's correlation id and trace, inside whatever transaction is open. */
  private inMessageContext<T>(
    delivery: Pick<Delivery, 'event' | 'message' | 'correlationId' | 'traceContext'> & { envelope?: EventEnvelope },
    work: () => Promise<T>,
  ): Promise<T> {
    return context.with(delivery.traceContext, () =>
      this.cls.run(() => {
        this.cls.set(CLS_ID, delivery.correlationId);
        this.cls.set(CAUSATION_ID, delivery.envelope?.id);
        this.cls.set(MAY_WAIT_FOR_LOCKS, false);
        this.cls.set(LOGGED_EVENT, { eventType: delivery.event.type, eventId: delivery.message.properties.messageId });
        return work();
      }),
    );
  }

  private async applyOnce(
    event: EventType,
    channel: Channel,
    message: ConsumeMessage,
    envelope: EventEnvelope,
    apply: () => Promise<void>,
  ) {
    const applyInTransaction = () =>
      this.outbox.inTransaction(async () => {
        await this.inbox.record(envelope);
        await apply();
      });
    try {
      await applyInTransaction().catch((error: unknown) => {
        if (!(error instanceof WouldWaitForLock)) throw error;
        // Rolled back, so it holds no lock now: in a fresh transaction it may wait without closing a cycle.
        this.logger.log(`${event.type} ${envelope.id} met a lock held elsewhere (${error.message}); applying it again, waiting for locks`);
        this.cls.set(MAY_WAIT_FOR_LOCKS, true);
        return applyInTransaction();
      });
      eventsConsumed.inc({ type: event.type, outcome: 'applied' });
      this.logger.log(`Applied ${event.type} ${envelope.id}`);
    } catch (error) {
      if (!(error instanceof DuplicateMessage)) return this.retryOrDeadLetter(event, channel, message, error as Error);
      this.logger.log(`Skipped a duplicate: ${error.message}`);
      eventsConsumed.inc({ type: event.type, outcome: 'duplicate' });
    }
    // Outside the try: the effect is committed, so a failed ack must not count as a failed message.
    this.settle(() => channel.ack(message));
  }

  /**
   * What the broker checked is the routing key: each app's user may publish only its own events'
   * keys (topic permissions). A message whose envelope names another event than its key came
   * through the shared exchange under a key its publisher may use: forged, and refused. Messages
   * back from our own retry queues come through the default exchange, which no app may write to.
   */
  private forgedRoutingKey(event: EventType, message: ConsumeMessage): string | undefined {
    const { exchange, routingKey } = message.fields;
    if (exchange !== this.exchange || routingKey === event.routingKey) return undefined;
    return `published as ${routingKey}, which does not carry ${event.type} v${event.version}`;
  }

  /**
   * A failure while our own database is unreachable is not the message's fault: it is retried
   * without using up an attempt, so an outage does not fill the dead-letter queue with good messages.
   */
  private async retryOrDeadLetter(event: EventType, channel: Channel, message: ConsumeMessage, error: Error) {
    const attempt = attemptOf(message.properties.headers?.[ATTEMPT_HEADER]);
    const maxAttempts = this.config.get('AMQP_MAX_ATTEMPTS', { infer: true });
    const counts = await this.databaseReachable();
    if (counts && attempt >= maxAttempts) {
      return this.deadLetter(event, channel, message, `${event.type} failed ${attempt} times, last: ${error.message}`);
    }
    eventsConsumed.inc({ type: event.type, outcome: 'retried' });
    const delay = retryDelayMs(attempt, this.broker.retrySettings());
    const nextAttempt = counts ? attempt + 1 : attempt;
    this.logger.warn(
      `${event.type} ${message.properties.messageId} failed (attempt ${attempt} of ${maxAttempts}${counts ? '' : ', not counted: the database is unreachable'}), retry in ${delay} ms: ${error.message}`,
    );
    await this.moveTo(channel, message, retryQueueOf(this.app, delay), {
      [ATTEMPT_HEADER]: nextAttempt,
      [ORIGINAL_ROUTING_KEY_HEADER]: originalRoutingKey(message),
    });
  }

  private async databaseReachable(): Promise<boolean> {
    try {
      await this.dataSource.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /** Ack or nack, which throw once the channel has closed: the broker then redelivers, and the inbox absorbs a repeat. */
  private settle(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.logger.warn(`Could not settle a message, the broker will redeliver it: ${(error as Error).message}`);
    }
  }

  private async deadLetter(event: EventType, channel: Channel, message: ConsumeMessage, reason: string) {
    this.logger.error(`Dead-lettered message ${message.properties.messageId ?? '(no id)'}: ${reason}`);
    eventsConsumed.inc({ type: event.type, outcome: 'dead_lettered' });
    await this.moveTo(channel, message, this.queues.dead, {
      [DEAD_LETTER_REASON_HEADER]: reason.slice(0, 1000),
      [ORIGINAL_ROUTING_KEY_HEADER]: originalRoutingKey(message),
    });
  }

  /**
   * Copies the message to another of our queues (confirmed) and only then acks the original: a
   * crash between the two leaves a duplicate, which the inbox absorbs, never a loss.
   */
  private async moveTo(channel: Channel, message: ConsumeMessage, queue: string, headers: Record<string, unknown>) {
    try {
      await this.broker.sendToOwnQueue(queue, message.content, {
        ...message.properties,
        // A hand-published message may have no id: the copy gets one, to be told apart (and re-driven).
        messageId: (message.properties.messageId as string | undefined) ?? randomUUID(),
        headers: { ...message.properties.headers, ...headers },
      });
    } catch (error) {
      this.logger.warn(`Could not move message to ${queue}, returning it to the queue: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, REQUEUE_PAUSE_MS));
      this.settle(() => channel.nack(message, false, true));
      return;
    }
    this.settle(() => channel.ack(message));
  }
}

function parsedJson(content: Buffer): unknown {
  try {
    return JSON.parse(content.toString()) as unknown;
  } catch {
    return undefined;
  }
}

function originalRoutingKey(message: ConsumeMessage): string {
  return (message.properties.headers?.[ORIGINAL_ROUTING_KEY_HEADER] as string | undefined) ?? message.fields.routingKey;
}

/** Why this message cannot be applied, or undefined when it is a valid envelope of `event`. */
export function findProblem(event: EventType, data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'not a JSON object';
  const envelopeProblem = problemOf(instanceOf(EventEnvelopeDto, data));
  if (envelopeProblem) return envelopeProblem;
  const envelope = data as EventEnvelope;
  if (envelope.type !== event.type || envelope.version !== event.version) {
    return `expected ${event.type} v${event.version}, got ${envelope.type} v${envelope.version}`;
  }
  return problemOf(instanceOf(event, envelope.payload as object));
}

/** class-validator's messages for what is wrong: the compiled check passes a valid instance, and only the others meet validateSync. */
function problemOf(instance: object): string | undefined {
  if (isValidInstance(instance)) return undefined;
  const errors = validateSync(instance);
  return errors.length > 0 ? describeErrors(errors) : undefined;
}

/**
 * The JSON's fields on an instance of the class, for class-validator to find its rules: what
 * plainToInstance does for classes without class-transformer decorators (the contracts have none),
 * at a fraction of its cost per message.
 */
function instanceOf<T extends object>(type: new () => T, fields: object): T {
  return Object.assign(new type(), fields);
}

function describeErrors(errors: { property: string; constraints?: Record<string, string> }[]): string {
  return errors.map((e) => Object.values(e.constraints ?? { [e.property]: `${e.property} is invalid` }).join(', ')).join('; ');
}
