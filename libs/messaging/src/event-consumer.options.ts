import { INestApplication, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CustomStrategy, RmqOptions, ServerRMQ } from '@nestjs/microservices';
import type { Channel } from 'amqplib';
import { BrokerConnection } from './broker-connection';
import { BrokerConfig } from './broker.config';
import { EventEnvelopeDeserializer } from './event-envelope.deserializer';
import { queuesOf } from './queues';

/**
 * Nest's RMQ server, except that a pattern is taken as the routing key it is. Nest first tries
 * JSON.parse on every message's pattern, which throws (and builds a stack trace) for each plain
 * routing key: 3.5% of view's time under load (docs/benchmarks.md).
 */
class EventServer extends ServerRMQ {
  private readonly missingQueueLogger = new Logger('EventConsumer');

  protected override getRouteFromPattern(pattern: string): string {
    return pattern;
  }

  /**
   * Consumes once the queue exists. The app may not declare it (db:setup does), and Nest's consume
   * of a missing queue ends the process with an unhandled rejection, HTTP side and all: instead it
   * says so. The failed check closes the connection, which comes back after
   * reconnectTimeInSeconds and checks again.
   */
  override async setupChannel(channel: Channel, callback: () => void): Promise<void> {
    try {
      await channel.checkQueue(this.queue);
    } catch {
      this.missingQueueLogger.error(`No queue ${this.queue} on the broker: run db:setup to declare it`);
      return;
    }
    return super.setupChannel(channel, callback);
  }
}

/**
 * Nest's RMQ server, with the defaults that lose messages overridden: manual acks, bounded
 * prefetch, persistent messages. It consumes the app's events queue and declares nothing (no
 * queue, no exchange, no binding): the app's broker user may not, and db:setup has declared them
 * all (systemTopology), the dead-letter route for whatever is rejected included.
 */
export function eventConsumerOptions(app: string, config: ConfigService<BrokerConfig, true>): CustomStrategy {
  return { strategy: new EventServer(rmqOptions(app, config)) };
}

function rmqOptions(app: string, config: ConfigService<BrokerConfig, true>): NonNullable<RmqOptions['options']> {
  const url: string = config.get('AMQP_URL', { infer: true });
  return {
    urls: [url],
    queue: queuesOf(app).events,
    noAssert: true,
    noAck: false,
    prefetchCount: config.get('AMQP_PREFETCH', { infer: true }),
    persistent: true,
    deserializer: new EventEnvelopeDeserializer(),
    socketOptions: { heartbeatIntervalInSeconds: 5, reconnectTimeInSeconds: 1 },
  };
}

/**
 * Connects the app's event consumer. It is not awaited: a broker that is down must not keep the
 * HTTP side from serving (and liveness and readiness from answering); /health shows the broker.
 */
export function startEventConsumer(app: INestApplication, name: string): void {
  const config = app.get<ConfigService<BrokerConfig, true>>(ConfigService);
  const consumer = app.connectMicroservice(eventConsumerOptions(name, config));
  app.get(BrokerConnection).watchConsumer(consumer.status);
  app.startAllMicroservices().catch((error: unknown) => new Logger('EventConsumer').error(`Consumer failed to start: ${String(error)}`));
}
