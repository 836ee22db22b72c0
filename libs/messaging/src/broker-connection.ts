import { SUBSCRIPTIONS } from '@app/contracts';
import { CORRELATION_HEADER } from '@app/correlation';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AmqpConnectionManager, ChannelWrapper, connect } from 'amqp-connection-manager';
import type { ConfirmChannel, Options } from 'amqplib';
import { Observable } from 'rxjs';
import { BrokerConfig } from './broker.config';
import { eventsQueueArguments, queuesOf, retryQueueArguments } from './queues';

const PUBLISH_TIMEOUT_MS = 5000;

/**
 * Our connection to RabbitMQ for publishing (the outbox relay, retries, dead letters). It declares
 * the topology, publishes on a confirm channel so that a publish resolves only once the broker
 * has the message, reconnects by itself, and tells readiness whether publisher and consumer are up.
 */
@Injectable()
export class BrokerConnection implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(BrokerConnection.name);
  private connection?: AmqpConnectionManager;
  private channel?: ChannelWrapper;
  private consumerStatus = 'disconnected';

  constructor(private readonly config: ConfigService<BrokerConfig, true>) {}

  onModuleInit(): void {
    const connection = connect([this.config.get('AMQP_URL', { infer: true })], {
      heartbeatIntervalInSeconds: 5,
      reconnectTimeInSeconds: 1,
    });
    connection.on('connect', () => this.logger.log('Connected to the broker'));
    connection.on('disconnect', ({ err }) => this.logger.warn(`Lost the broker: ${err?.message ?? 'closed'}`));
    this.channel = connection.createChannel({
      name: 'publisher',
      confirm: true,
      setup: (channel: ConfirmChannel) => this.declareTopology(channel),
    });
    this.connection = connection;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.channel?.close();
    await this.connection?.close();
  }

  /** Nest's RMQ server reports its own connection; readiness needs both. */
  watchConsumer(status: Observable<string>): void {
    status.subscribe((value) => (this.consumerStatus = value));
  }

  isPublisherConnected(): boolean {
    return this.connection?.isConnected() ?? false;
  }

  isConsumerConnected(): boolean {
    return this.consumerStatus === 'connected' || this.consumerStatus === 'unblocked';
  }

  /** Resolves once the broker confirmed the message is stored. */
  async publish(
    routingKey: string,
    body: string,
    meta: { messageId: string; type: string; correlationId: string; traceparent: string | null },
  ): Promise<void> {
    await this.requireChannel().publish(this.config.get('AMQP_EXCHANGE', { infer: true }), routingKey, Buffer.from(body), {
      persistent: true,
      contentType: 'application/json',
      messageId: meta.messageId,
      type: meta.type,
      headers: { [CORRELATION_HEADER]: meta.correlationId, ...(meta.traceparent ? { traceparent: meta.traceparent } : {}) },
      timeout: PUBLISH_TIMEOUT_MS,
    });
  }

  /** Puts a message straight into one of our queues (retry, dead letters), confirmed. */
  async sendToQueue(queue: string, content: Buffer, options: Options.Publish): Promise<void> {
    await this.requireChannel().sendToQueue(queue, content, { ...options, persistent: true, timeout: PUBLISH_TIMEOUT_MS });
  }

  /** Messages waiting in one of our queues, or undefined while the broker is away. */
  async queueDepth(queue: string): Promise<number | undefined> {
    if (!this.isPublisherConnected()) return undefined;
    return (await this.requireChannel().checkQueue(queue)).messageCount;
  }

  private requireChannel(): ChannelWrapper {
    if (!this.channel) throw new Error('The broker connection is not open yet');
    return this.channel;
  }

  /**
   * The exchange, and every subscriber's queues and bindings (not only ours): see SUBSCRIPTIONS.
   * Nest's server declares our events queue too, with the same arguments.
   */
  private async declareTopology(channel: ConfirmChannel): Promise<void> {
    const exchange = this.config.get('AMQP_EXCHANGE', { infer: true });
    await channel.assertExchange(exchange, 'topic', { durable: true });
    for (const [app, events] of Object.entries(SUBSCRIPTIONS)) {
      const queues = queuesOf(app);
      await channel.assertQueue(queues.dead, { durable: true });
      await channel.assertQueue(queues.retry, { durable: true, arguments: retryQueueArguments(app) });
      await channel.assertQueue(queues.events, { durable: true, arguments: eventsQueueArguments(app) });
      for (const event of events) await channel.bindQueue(queues.events, exchange, event.routingKey);
    }
  }
}
