import { INestApplication, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CustomStrategy, RmqOptions, ServerRMQ } from '@nestjs/microservices';
import { BrokerConnection } from './broker-connection';
import { BrokerConfig } from './broker.config';
import { EventEnvelopeDeserializer } from './event-envelope.deserializer';
import { eventsQueueArguments, queuesOf } from './queues';

/**
 * Nest's RMQ server, except that a pattern is taken as the routing key it is. Nest first tries
 * JSON.parse on every message's pattern, which throws (and builds a stack trace) for each plain
 * routing key: 3.5% of view's time under load (docs/benchmarks.md).
 */
class EventServer extends ServerRMQ {
  protected override getRouteFromPattern(pattern: string): string {
    return pattern;
  }
}

/**
 * Nest's RMQ server, with the defaults that lose messages overridden: manual acks, bounded
 * prefetch, persistent messages, a durable queue bound to the shared topic exchange by each
 * handler's routing key, and a dead-letter route for whatever is rejected.
 */
export function eventConsumerOptions(app: string, config: ConfigService<BrokerConfig, true>): CustomStrategy {
  return { strategy: new EventServer(rmqOptions(app, config)) };
}

function rmqOptions(app: string, config: ConfigService<BrokerConfig, true>): NonNullable<RmqOptions['options']> {
  const url: string = config.get('AMQP_URL', { infer: true });
  return {
    urls: [url],
    queue: queuesOf(app).events,
    queueOptions: { durable: true, arguments: eventsQueueArguments(app) },
    exchange: config.get('AMQP_EXCHANGE', { infer: true }),
    exchangeType: 'topic',
    wildcards: true,
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
