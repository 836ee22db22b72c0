import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { readCommitted } from '@app/platform';
import { DataSource, EntityManager, In, LessThan } from 'typeorm';
import { BrokerConnection } from './broker-connection';
import { BrokerConfig } from './broker.config';
import { eventsPublished } from './messaging.metrics';
import { OutboxMessage } from './outbox-message.entity';
import { OutboxRepository } from './outbox.repository';

const RETENTION_MS = 24 * 60 * 60 * 1000;
const PURGE_EVERY_MS = 60 * 1000;
const PURGE_BATCH_SIZE = 1000;
const MAX_BACKOFF_MS = 5000;
/** The final flush on shutdown stops after this many full batches; the rest waits for the next relay. */
const FINAL_FLUSH_BATCHES = 20;

/**
 * Publishes the outbox in order. Each batch is locked (FOR UPDATE), published with publisher
 * confirms, marked published and committed; a crash before the commit means the batch is
 * published again, and the consumers' inbox absorbs the duplicate. The lock also serialises the
 * relays of several replicas, which keeps one rental's events in the order they were written.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly batchSize: number;
  private readonly pollMs: number;
  private running = false;
  private loop?: Promise<void>;
  private wakeRequested = false;
  private wakeUp: () => void = () => undefined;
  private purgeTimer?: NodeJS.Timeout;
  private purging?: Promise<void>;
  /**
   * READ COMMITTED: on MariaDB the default REPEATABLE READ would gap-lock the end of the
   * unpublished range, where every new outbox row goes, until the broker confirms.
   */
  private readonly isolation: 'READ COMMITTED' | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly broker: BrokerConnection,
    private readonly outbox: OutboxRepository,
    config: ConfigService<BrokerConfig, true>,
  ) {
    this.batchSize = config.get('OUTBOX_BATCH_SIZE', { infer: true });
    this.pollMs = config.get('OUTBOX_POLL_MS', { infer: true });
    this.isolation = readCommitted(dataSource.options.type === 'mariadb' ? 'mariadb' : 'postgres');
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
    this.schedulePurge(0);
  }

  /**
   * Stops the loop after one last pass, so that what was committed before shutdown goes out now.
   * Called by EventConsumer once the messages in hand are done, since they write events too.
   */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.purgeTimer);
    this.wake();
    await this.loop;
    for (let batches = 0; batches < FINAL_FLUSH_BATCHES && this.broker.isPublisherConnected(); batches++) {
      const published = await this.publishBatch().catch((error: unknown) => {
        this.logger.warn(`Final flush failed: ${String(error)}`);
        return 0;
      });
      if (published < this.batchSize) break;
    }
    // What was committed is out; a purge still running stops after its batch.
    await this.purging;
  }

  wake(): void {
    this.wakeRequested = true;
    this.wakeUp();
  }

  /** Publishes up to one batch; returns how many events went out. */
  async publishBatch(): Promise<number> {
    if (!this.broker.isPublisherConnected()) throw new Error('not connected to the broker');
    const publish = async (manager: EntityManager): Promise<number> => {
      const batch = await this.outbox.lockUnpublished(manager, this.batchSize);
      if (batch.length === 0) return 0;
      // One confirm channel publishes in call order, so starting all at once keeps the order.
      await Promise.all(
        batch.map((message) =>
          this.broker.publish(message.routingKey, message.body, {
            messageId: message.messageId,
            type: message.type,
            correlationId: message.correlationId,
            traceparent: message.traceContext,
          }),
        ),
      );
      await this.outbox.markPublished(
        manager,
        batch.map((m) => m.position),
        new Date(),
      );
      for (const message of batch) eventsPublished.inc({ type: message.type });
      return batch.length;
    };
    return this.transaction(publish);
  }

  private transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.isolation ? this.dataSource.transaction(this.isolation, work) : this.dataSource.transaction(work);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const published = await this.publishBatch();
        failures = 0;
        if (published < this.batchSize) await this.idle(this.pollMs);
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0) {
          this.logger.warn(`Cannot publish the outbox (attempt ${failures}), will retry: ${(error as Error).message}`);
        }
        await this.idle(Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures));
      }
    }
  }

  private idle(ms: number): Promise<void> {
    if (this.wakeRequested || !this.running) {
      this.wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = () => undefined;
        this.wakeRequested = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  /** The purge has a loop of its own: however long it takes, publishing goes on. */
  private schedulePurge(delayMs: number): void {
    this.purgeTimer = setTimeout(() => {
      this.purging = this.purgeOld()
        .catch((error: unknown) => this.logger.warn(`Could not purge the published outbox rows, will try again: ${String(error)}`))
        .finally(() => {
          this.purging = undefined;
          if (this.running) this.schedulePurge(PURGE_EVERY_MS);
        });
    }, delayMs);
  }

  /**
   * Published rows are kept a day for inspection, then deleted a batch at a time by primary key,
   * each batch in a short READ COMMITTED transaction: one ranged DELETE at MariaDB's REPEATABLE
   * READ would gap-lock the head of the `outbox_message_unpublished` index, where every new row
   * goes, and stall every transaction that writes an event until it is done.
   */
  private async purgeOld(): Promise<void> {
    const cutoff = new Date(Date.now() - RETENTION_MS);
    const purgeBatch = async (manager: EntityManager): Promise<number> => {
      const old = await manager.getRepository(OutboxMessage).find({
        select: { position: true },
        where: { publishedAt: LessThan(cutoff) },
        order: { position: 'ASC' },
        take: PURGE_BATCH_SIZE,
      });
      if (old.length > 0) await manager.delete(OutboxMessage, { position: In(old.map((m) => m.position)) });
      return old.length;
    };
    let purged: number;
    do {
      purged = await this.transaction(purgeBatch);
    } while (purged === PURGE_BATCH_SIZE && this.running);
  }
}
