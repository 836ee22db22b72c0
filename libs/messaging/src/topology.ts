import { PUBLICATIONS, SUBSCRIPTIONS } from '@app/contracts';
import { BROKER_APPS, BrokerApp } from './broker-accounts';
import {
  RetrySettings,
  deadQueueArguments,
  eventsQueueArguments,
  EVERY_ROUTING_KEY,
  movesExchangeOf,
  queuesOf,
  retryQueueArguments,
  retryQueuesOf,
  subscriptionsExchangeOf,
} from './queues';

export interface Topology {
  exchanges: { name: string; type: 'topic' | 'direct'; internal: boolean }[];
  queues: { name: string; arguments: Record<string, unknown> }[];
  bindings: { exchange: string; queue: string; routingKey: string }[];
  /** The shared exchange's one binding, to the subscriptions exchange: db:setup adds it last. */
  route: { source: string; destination: string; routingKey: string };
}

/**
 * Every exchange, queue and binding of the system. db:setup declares them, as the broker's
 * administrator: the apps' own users may declare nothing (see brokerPermissionsOf), so an event
 * published before its consumer ever ran still finds that consumer's queue. Apps publish to the
 * shared exchange; the events queues are bound to the subscriptions exchange behind it
 * (subscriptionsExchangeOf).
 */
export function systemTopology(exchange: string, retry: RetrySettings): Topology {
  const subscriptions = subscriptionsExchangeOf(exchange);
  const topology: Topology = {
    exchanges: [
      { name: exchange, type: 'topic', internal: false },
      { name: subscriptions, type: 'topic', internal: true },
    ],
    queues: [],
    bindings: [],
    route: { source: exchange, destination: subscriptions, routingKey: EVERY_ROUTING_KEY },
  };
  for (const app of BROKER_APPS) {
    const { events, dead } = queuesOf(app);
    const moves = movesExchangeOf(app);
    topology.exchanges.push({ name: moves, type: 'direct', internal: false });
    // In the order a message goes through them: events, each retry, dead (`ops queues` lists them so).
    topology.queues.push({ name: events, arguments: eventsQueueArguments(app) });
    for (const event of SUBSCRIPTIONS[app])
      topology.bindings.push({ exchange: subscriptions, queue: events, routingKey: event.routingKey });
    for (const { queue, delayMs } of retryQueuesOf(app, retry)) {
      topology.queues.push({ name: queue, arguments: retryQueueArguments(app, delayMs) });
      topology.bindings.push({ exchange: moves, queue, routingKey: queue });
    }
    topology.queues.push({ name: dead, arguments: deadQueueArguments() });
    topology.bindings.push({ exchange: moves, queue: dead, routingKey: dead });
  }
  return topology;
}

const exactly = (names: string[]) =>
  names.length === 0 ? '^$' : `^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`;

/**
 * An app's broker user may declare or delete nothing, read only its own events queue, and write only
 * to the shared exchange (if it publishes at all) and to its own moves exchange, never to the
 * default exchange, which reaches every queue by name. On the shared exchange, RabbitMQ's topic
 * permissions let it publish only the routing keys of its own events (PUBLICATIONS).
 */
export function brokerPermissionsOf(app: BrokerApp, exchange: string) {
  const publishes = PUBLICATIONS[app].map((event) => event.routingKey);
  return {
    configure: '^$',
    write: exactly(publishes.length > 0 ? [exchange, movesExchangeOf(app)] : [movesExchangeOf(app)]),
    read: exactly([queuesOf(app).events]),
    topic: { exchange, write: exactly(publishes), read: '^$' },
  };
}

/**
 * The operators' broker user (the ops toolbox in Kubernetes: `ops dead-letters`, `ops queues`) may
 * read the dead-letter queues and write to the default exchange, by which a re-driven letter goes
 * back into its app's events queue by name; it declares, deletes and consumes nothing else.
 * `ops queues` asks each depth with a passive queue.declare, which needs no permission. RabbitMQ
 * knows no narrower grant for the default exchange: writing to it reaches any queue by name.
 */
export function opsBrokerPermissions() {
  return {
    configure: '^$',
    write: exactly(['amq.default']),
    read: exactly(BROKER_APPS.map((app) => queuesOf(app).dead)),
  };
}
