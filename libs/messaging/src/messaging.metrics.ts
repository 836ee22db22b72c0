import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { DataSource, IsNull } from 'typeorm';
import { APP_NAME } from './app-name';
import { BrokerConnection } from './broker-connection';
import { OutboxMessage } from './outbox-message.entity';
import { queuesOf } from './queues';

export const eventsPublished = new Counter({
  name: 'events_published_total',
  help: 'Events the outbox relay published and the broker confirmed, by type',
  labelNames: ['type'],
});

export const eventsConsumed = new Counter({
  name: 'events_consumed_total',
  help: 'Inbound events by type and outcome: applied, duplicate, retried or dead_lettered',
  labelNames: ['type', 'outcome'],
});

export const batchSizes = new Histogram({
  name: 'events_batch_size',
  help: 'Messages the consumer took into one database transaction (AMQP_BATCH_SIZE at most)',
  buckets: [1, 2, 5, 10, 20, 50, 100],
});

export const eventsInHand = new Gauge({
  name: 'events_in_hand',
  help: 'Deliveries the consumer holds, waiting for a batch or being applied (AMQP_PREFETCH at most)',
});

/** The gauges that are read at scrape time: how much waits to be published, and how much is dead. */
@Injectable()
export class MessagingMetrics implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly broker: BrokerConnection,
    @Inject(APP_NAME) private readonly app: string,
  ) {}

  onModuleInit(): void {
    const outbox = () => this.dataSource.getRepository(OutboxMessage).count({ where: { publishedAt: IsNull() } });
    const deadLetters = () => this.broker.queueDepth(queuesOf(this.app).dead);
    new Gauge({
      name: 'outbox_backlog',
      help: 'Events committed but not yet published',
      async collect() {
        this.set(await outbox().catch(() => Number.NaN));
      },
    });
    const broker = this.broker;
    new Gauge({
      name: 'broker_connected',
      help: 'Whether the link to the broker is up (1) or down (0), by link: publisher or consumer',
      labelNames: ['link'],
      collect() {
        this.set({ link: 'publisher' }, broker.isPublisherConnected() ? 1 : 0);
        this.set({ link: 'consumer' }, broker.isConsumerConnected() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'dead_letter_queue_depth',
      help: "Messages in this app's dead-letter queue",
      async collect() {
        this.set((await deadLetters().catch(() => undefined)) ?? Number.NaN);
      },
    });
  }
}
