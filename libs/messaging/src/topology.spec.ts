import { ALL_EVENTS, PUBLICATIONS, SUBSCRIPTIONS } from '@app/contracts';
import { BROKER_APPS } from './broker-accounts';
import { movesExchangeOf, queuesOf, subscriptionsExchangeOf } from './queues';
import { brokerPermissionsOf, opsBrokerPermissions, systemTopology } from './topology';

const EXCHANGE = 'storage-rental';
const RETRY = { firstDelayMs: 500, maxAttempts: 3 };
const matches = (pattern: string, name: string) => new RegExp(pattern).test(name);

describe('systemTopology', () => {
  it('knows every app with a queue, as SUBSCRIPTIONS does', () => {
    expect([...BROKER_APPS].sort()).toEqual(Object.keys(SUBSCRIPTIONS).sort());
  });

  it('routes the shared exchange, bound to no queue, to the internal subscriptions exchange by every key', () => {
    const { exchanges, bindings, route } = systemTopology(EXCHANGE, RETRY);
    const subscriptions = subscriptionsExchangeOf(EXCHANGE);
    expect(exchanges).toContainEqual({ name: EXCHANGE, type: 'topic', internal: false });
    expect(exchanges).toContainEqual({ name: subscriptions, type: 'topic', internal: true });
    expect(route).toEqual({ source: EXCHANGE, destination: subscriptions, routingKey: '#' });
    expect(bindings.filter((b) => b.exchange === EXCHANGE)).toEqual([]);
  });

  it("binds each app's events queue to every routing key it subscribes to, and its moves exchange to its dead and retry queues", () => {
    const { exchanges, queues, bindings } = systemTopology(EXCHANGE, RETRY);
    const subscriptions = subscriptionsExchangeOf(EXCHANGE);
    for (const app of BROKER_APPS) {
      const bound = bindings.filter((b) => b.exchange === subscriptions && b.queue === queuesOf(app).events).map((b) => b.routingKey);
      expect([app, bound.sort()]).toEqual([app, SUBSCRIPTIONS[app].map((e) => e.routingKey).sort()]);
      const moved = bindings.filter((b) => b.exchange === movesExchangeOf(app));
      expect(moved.map((b) => b.queue).sort()).toEqual(
        [queuesOf(app).dead, `${app}.retries.1000ms`, `${app}.retries.2000ms`, `${app}.retries.500ms`].sort(),
      );
      for (const binding of moved) expect(binding.routingKey).toBe(binding.queue);
      expect(exchanges).toContainEqual({ name: movesExchangeOf(app), type: 'direct', internal: false });
    }
    // Everything bound is declared.
    const names = new Set(queues.map((q) => q.name));
    expect(bindings.filter((b) => !names.has(b.queue))).toEqual([]);
  });
});

describe('brokerPermissionsOf', () => {
  it.each(BROKER_APPS)('%s may publish exactly its own events, and configure nothing', (app) => {
    const { configure, topic } = brokerPermissionsOf(app, EXCHANGE);
    expect(configure).toBe('^$');
    const mayPublish = ALL_EVENTS.filter((event) => matches(topic.write, event.routingKey));
    expect(mayPublish).toEqual(ALL_EVENTS.filter((event) => PUBLICATIONS[app].includes(event)));
  });

  it.each(BROKER_APPS)('%s may write to no queue by name (the default exchange) and to no other app’s moves exchange', (app) => {
    const { write, read } = brokerPermissionsOf(app, EXCHANGE);
    expect(matches(write, 'amq.default')).toBe(false);
    expect(matches(write, '')).toBe(false);
    for (const other of BROKER_APPS.filter((o) => o !== app)) {
      expect(matches(write, movesExchangeOf(other))).toBe(false);
      expect(matches(read, queuesOf(other).events)).toBe(false);
    }
    expect(matches(write, movesExchangeOf(app))).toBe(true);
    expect(matches(read, queuesOf(app).events)).toBe(true);
    expect(matches(write, EXCHANGE)).toBe(PUBLICATIONS[app].length > 0);
  });
});

describe('opsBrokerPermissions', () => {
  it("may take letters from every app's dead-letter queue and nothing else: no events, retry or moves queue", () => {
    const { configure, read } = opsBrokerPermissions();
    expect(configure).toBe('^$');
    const queues = systemTopology(EXCHANGE, RETRY).queues.map((q) => q.name);
    expect(queues.filter((queue) => matches(read, queue)).sort()).toEqual(BROKER_APPS.map((app) => queuesOf(app).dead).sort());
  });

  it("may write only to the default exchange (a re-drive puts a letter back into its app's events queue by name), never the shared or a moves exchange", () => {
    const { write } = opsBrokerPermissions();
    expect(matches(write, 'amq.default')).toBe(true);
    const exchanges = systemTopology(EXCHANGE, RETRY).exchanges.map((e) => e.name);
    expect(exchanges.filter((exchange) => matches(write, exchange))).toEqual([]);
    expect(matches(write, 'amq.defaultx')).toBe(false);
  });
});
