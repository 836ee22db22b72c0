import { CORRELATION_HEADER } from '@app/correlation';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AmqpConnectionManager, ChannelWrapper, connect } from 'amqp-connection-manager';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Message, Options, Replies } from 'amqplib';
import { APP_NAME } from './app-name';
import { BrokerConfig } from './broker.config';
import { EVENT_PUBLISH_OPTIONS, TRACEPARENT_HEADER } from './publish-options';
import { RetrySettings, movesExchangeOf } from './queues';

const PUBLISH_TIMEOUT_MS = 5000;
const RECONNECT_PAUSE_MS = 1000;
const SOCKET_OPTIONS = { heartbeatIntervalInSeconds: 5, reconnectTimeInSeconds: 1 };

/**
 * A queue's depth and consumers, or undefined if it does not exist, checked on a channel of its
 * own: the broker closes the channel of a check that finds no queue.
 */
export async function checkQueueAlone(connection: ChannelModel, queue: string): Promise<Replies.AssertQueue | undefined> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  try {
    return await channel.checkQueue(queue);
  } catch {
    return undefined;
  } finally {
    await channel.close().catch(() => undefined);
  }
}

/**
 * Our connections to RabbitMQ: one for publishing (the outbox relay, retries, dead letters) and
 * one for consuming the app's queue, so that a broker that blocks publishers still takes our acks.
 * It publishes on a confirm channel so that a publish resolves only once the broker has the
 * message, reconnects by itself, and tells readiness whether publisher and consumer are up. It
 * declares nothing: the app's broker user may not (db:setup declares the topology, see systemTopology).
 */
@Injectable()
export class BrokerConnection implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(BrokerConnection.name);
  private connection?: AmqpConnectionManager;
  private channel?: ChannelWrapper;
  private consumerConnection?: AmqpConnectionManager;
  private consumerChannel?: ChannelWrapper;
  /** The channel our consumer is on while it consumes; a new one after each reconnect. */
  private consuming?: { channel: Channel; consumerTag: string };
  /** Set on shutdown: a reconnect while the messages in hand finish must not start consuming again. */
  private consumerStopped = false;
  private shuttingDown = false;
  /** Publishes waiting for their confirm, by message id; the broker's returns are noted only for these. */
  private readonly pending = new Map<string, number>();
  /** Ids of pending messages the broker returned as unroutable. */
  private readonly returned = new Set<string>();
  private reconnectTimer?: NodeJS.Timeout;
  private lastReconnect = 0;

  constructor(
    private readonly config: ConfigService<BrokerConfig, true>,
    @Inject(APP_NAME) private readonly app: string,
  ) {}

  onModuleInit(): void {
    const connection = connect([this.config.get('AMQP_URL', { infer: true })], SOCKET_OPTIONS);
    connection.on('connect', () => this.logger.log('Connected to the broker'));
    connection.on('disconnect', ({ err }) => this.logger.warn(`Lost the broker: ${err?.message ?? 'closed'}`));
    this.channel = connection.createChannel({
      name: 'publisher',
      confirm: true,
      setup: (channel: ConfirmChannel) => this.watch(channel),
    });
    this.channel.on('error', (error: Error) => this.logger.warn(`Publisher channel: ${error.message}`));
    this.connection = connection;
  }

  /**
   * amqp-connection-manager replaces a channel only when the connection comes back, so a channel
   * the broker closed for an error (a publish to an exchange someone deleted, say) would leave us
   * unable to publish over a healthy connection: reconnect instead (reconnectSoon). A message the broker
   * returns (mandatory, no queue for it) is remembered, so that its publish fails.
   */
  private watch(channel: ConfirmChannel): void {
    let failure: Error | undefined;
    channel.on('error', (error: Error) => (failure = error));
    channel.on('close', () => {
      if (!failure || this.shuttingDown) return;
      this.logger.warn(`The broker closed the publisher channel (${failure.message}); reconnecting`);
      this.reconnectSoon();
    });
    channel.on('return', (message: Message) => {
      const id = message.properties.messageId as string | undefined;
      if (id && this.pending.has(id)) this.returned.add(id);
    });
  }

  /** At most one reconnect a second: an error that recurs in the setup must not spin. */
  private reconnectSoon(): void {
    if (this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(
      () => {
        this.reconnectTimer = undefined;
        this.lastReconnect = Date.now();
        if (!this.shuttingDown) this.connection?.reconnect();
      },
      Math.max(0, this.lastReconnect + RECONNECT_PAUSE_MS - Date.now()),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    clearTimeout(this.reconnectTimer);
    await this.consumerChannel?.close();
    await this.consumerConnection?.close();
    await this.channel?.close();
    await this.connection?.close();
  }

  /**
   * Consumes `queue` with manual acks and at most `prefetch` unacked messages, again after every
   * reconnect. `onMessage` gets the channel a message came on, where its ack must go. A queue that
   * does not exist yet (db:setup declares it) is said, and checked again a second later.
   */
  startConsuming(queue: string, prefetch: number, onMessage: (channel: Channel, message: ConsumeMessage) => void): void {
    const connection = connect([this.config.get('AMQP_URL', { infer: true })], SOCKET_OPTIONS);
    connection.on('disconnect', ({ err }) => this.logger.warn(`Consumer lost the broker: ${err?.message ?? 'closed'}`));
    this.consumerChannel = connection.createChannel({
      name: 'consumer',
      setup: async (channel: Channel) => {
        const checkAgain = () => setTimeout(() => this.consumerStopped || connection.reconnect(), RECONNECT_PAUSE_MS);
        if (this.consumerStopped) return;
        if (!(await checkQueueAlone(connection.connection!, queue))) {
          this.logger.error(`No queue ${queue} on the broker: run db:setup to declare it`);
          checkAgain();
          return;
        }
        await channel.prefetch(prefetch);
        const { consumerTag } = await channel.consume(
          queue,
          (message) => {
            if (message) return onMessage(channel, message);
            // The broker cancelled us: the queue was deleted. The check after the reconnect says so, and consumes once it is back.
            this.logger.warn(`The broker cancelled our consumer of ${queue}`);
            this.consuming = undefined;
            checkAgain();
          },
          { noAck: false },
        );
        this.consuming = { channel, consumerTag };
        channel.once('close', () => {
          if (this.consuming?.channel === channel) this.consuming = undefined;
        });
      },
    });
    this.consumerChannel.on('error', (error: Error) => this.logger.warn(`Consumer channel: ${error.message}`));
    this.consumerConnection = connection;
  }

  /** Stops deliveries; the messages in hand can still be acked on their channel. */
  async stopConsuming(): Promise<void> {
    this.consumerStopped = true;
    const consuming = this.consuming;
    this.consuming = undefined;
    await consuming?.channel.cancel(consuming.consumerTag).catch(() => undefined);
  }

  isPublisherConnected(): boolean {
    return this.connection?.isConnected() ?? false;
  }

  isConsumerConnected(): boolean {
    return this.consuming !== undefined;
  }

  /**
   * Resolves once the broker confirmed the message is in a queue: a message no queue is bound for
   * is returned (mandatory), and this throws, so that the relay keeps its outbox row.
   */
  async publish(
    routingKey: string,
    body: string,
    meta: { messageId: string; type: string; correlationId: string; traceparent: string | null },
  ): Promise<void> {
    const exchange = this.config.get('AMQP_EXCHANGE', { infer: true });
    await this.confirmed(meta.messageId, `no queue is bound for ${routingKey}`, () =>
      this.requireChannel().publish(exchange, routingKey, Buffer.from(body), {
        ...EVENT_PUBLISH_OPTIONS,
        messageId: meta.messageId,
        type: meta.type,
        headers: { [CORRELATION_HEADER]: meta.correlationId, ...(meta.traceparent ? { [TRACEPARENT_HEADER]: meta.traceparent } : {}) },
        timeout: PUBLISH_TIMEOUT_MS,
      }),
    );
  }

  /**
   * Puts a message into one of our own queues (retry, dead letters) through our moves exchange,
   * confirmed; throws if the queue or its binding is missing, so that the caller keeps the original.
   */
  async sendToOwnQueue(queue: string, content: Buffer, options: Options.Publish & { messageId: string }): Promise<void> {
    await this.confirmed(options.messageId, `queue ${queue} does not exist`, () =>
      this.requireChannel().publish(movesExchangeOf(this.app), queue, content, {
        ...options,
        persistent: true,
        mandatory: true,
        timeout: PUBLISH_TIMEOUT_MS,
      }),
    );
  }

  /**
   * Messages waiting in one of our queues, or undefined while the broker is away or the queue is
   * missing. Never on the publisher's channel, which a check that finds no queue would close.
   */
  async queueDepth(queue: string): Promise<number | undefined> {
    const connection = this.isPublisherConnected() ? this.connection?.connection : undefined;
    if (!connection) return undefined;
    return (await checkQueueAlone(connection, queue))?.messageCount;
  }

  /**
   * Sends and waits for the confirm. The broker returns a message before it confirms it, so by
   * then we know: a returned message means a queue or binding is missing (deleted by hand, or
   * db:setup not run since the settings changed), and this throws, so that the caller keeps it and
   * tries again. Only db:setup may declare them.
   */
  private async confirmed(messageId: string, why: string, send: () => Promise<unknown>): Promise<void> {
    this.pending.set(messageId, (this.pending.get(messageId) ?? 0) + 1);
    try {
      await send();
      if (!this.returned.has(messageId)) return;
      this.logger.error(`The broker returned message ${messageId}: ${why}; run db:setup to declare the topology again`);
      throw new Error(`The broker returned message ${messageId}: ${why}`);
    } finally {
      const left = this.pending.get(messageId)! - 1;
      if (left > 0) this.pending.set(messageId, left);
      else {
        this.pending.delete(messageId);
        this.returned.delete(messageId);
      }
    }
  }

  private requireChannel(): ChannelWrapper {
    if (!this.channel) throw new Error('The broker connection is not open yet');
    return this.channel;
  }

  retrySettings(): RetrySettings {
    return {
      firstDelayMs: this.config.get('AMQP_RETRY_DELAY_MS', { infer: true }),
      maxAttempts: this.config.get('AMQP_MAX_ATTEMPTS', { infer: true }),
    };
  }
}
