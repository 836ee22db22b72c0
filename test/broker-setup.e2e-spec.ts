import { RentalCancelled, StorageAssigned, SUBSCRIPTIONS } from '@app/contracts';
import { BROKER_APPS, BrokerConfig, QUEUE_TYPE, queuesOf, systemTopology } from '@app/messaging';
import { ConfirmChannel, connect } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { asideQueueOf, managementApi } from '../scripts/broker-setup';
import { DbSetupConfig } from '../scripts/db-setup.config';
import { E2E_ENV } from './e2e-env';
import { EXCHANGE, envelope, publishEvent } from './events';
import { eventually, setUpBrokerFor } from './harness';

/** Each suite builds a broker of its own on a vhost of its own, and sets it up there. */
const VHOST = 'storage-rental-e2e-queue-types';
const api = managementApi(new DbSetupConfig().RABBITMQ_ADMIN_URL);
const vhost = encodeURIComponent(VHOST);
const ADMIN_AMQP = `amqp://guest:guest@127.0.0.1:5672/${vhost}`;
// The retry settings db:setup sees here: the e2e environment's, else the defaults.
const settings = Object.assign(new BrokerConfig(), E2E_ENV);
const retry = { firstDelayMs: Number(settings.AMQP_RETRY_DELAY_MS), maxAttempts: Number(settings.AMQP_MAX_ATTEMPTS) };

/** Every app's broker URL on a vhost, for db:setup. */
function onVhost(name = vhost): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [variable, value] of Object.entries(E2E_ENV))
    if (/_AMQP_URL$/.test(variable)) env[variable] = Object.assign(new URL(value), { pathname: `/${name}` }).toString();
  return env;
}

type QueueInfo = { name: string; type: string };
const queues = async () => (await api('GET', `queues/${vhost}?columns=name,type`)) as QueueInfo[];

/** The management API's count of consumers on the vhost, which trails the broker by a moment. */
async function consumersSeen(count: number): Promise<void> {
  await eventually(
    async () => ((await api('GET', `consumers/${vhost}`)) as unknown[]).length,
    (seen) => seen === count,
    {
      message: `the management API does not show ${count} consumers`,
    },
  );
}

/** What the shared exchange is bound to, as [type, name] pairs. */
async function sharedExchangeBindings(name = vhost): Promise<string[][]> {
  const bindings = (await api('GET', `exchanges/${name}/${encodeURIComponent(EXCHANGE)}/bindings/source`)) as {
    destination: string;
    destination_type: string;
  }[];
  return bindings.map(({ destination_type, destination }) => [destination_type, destination]);
}

/** The message ids in a queue, read without taking them (each is requeued). */
async function idsIn(queue: string, amqpUrl = ADMIN_AMQP): Promise<string[]> {
  const connection = await connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    const ids: string[] = [];
    for (let message = await channel.get(queue, { noAck: false }); message; message = await channel.get(queue, { noAck: false })) {
      ids.push(message.properties.messageId as string);
    }
    await channel.close(); // unacked: all of them back in the queue
    return ids.sort();
  } finally {
    await connection.close();
  }
}

/**
 * Issue 17: every durable queue a quorum queue, and an upgrade from a release whose events and dead
 * queues were classic. A queue cannot change type in place, so db:setup moves its messages aside,
 * declares it again and moves them back.
 */
describe('quorum queues, and the upgrade from classic ones', () => {
  const published = new Map<string, string[]>();

  beforeAll(async () => {
    await api('DELETE', `vhosts/${vhost}`).catch(() => undefined);
    await api('PUT', `vhosts/${vhost}`, {});
    await api('PUT', `permissions/${vhost}/guest`, { configure: '.*', write: '.*', read: '.*' });
    // The older release: classic events and dead queues, bound to the shared exchange itself.
    const older = systemTopology(EXCHANGE, retry);
    for (const { name, type } of older.exchanges.filter(({ internal }) => !internal))
      await api('PUT', `exchanges/${vhost}/${encodeURIComponent(name)}`, { type, durable: true });
    for (const queue of older.queues) {
      const classic = queue.name.endsWith('.events') || queue.name.endsWith('.dead');
      const args = Object.fromEntries(Object.entries(queue.arguments).filter(([name]) => !classic || name !== 'x-queue-type'));
      await api('PUT', `queues/${vhost}/${encodeURIComponent(queue.name)}`, { durable: true, arguments: args });
    }
    for (const { exchange, queue, routingKey } of older.bindings) {
      const source = exchange === older.route.destination ? EXCHANGE : exchange;
      await api('POST', `bindings/${vhost}/e/${encodeURIComponent(source)}/q/${encodeURIComponent(queue)}`, { routing_key: routingKey });
    }

    // Messages waiting in the old queues: events for three apps, and a dead letter.
    const connection = await connect(ADMIN_AMQP);
    const channel = await connection.createConfirmChannel();
    for (let i = 0; i < 40; i++)
      publishEvent(channel, i % 2 ? StorageAssigned : RentalCancelled, { rentalId: `r-${i}`, unitCode: 'u', customerId: 'c' });
    channel.sendToQueue(queuesOf('view').dead, Buffer.from('{}'), { persistent: true, messageId: 'dead-1' });
    await channel.waitForConfirms();
    await connection.close();
    for (const app of BROKER_APPS) published.set(queuesOf(app).events, await idsIn(queuesOf(app).events));
    published.set(queuesOf('view').dead, await idsIn(queuesOf('view').dead));
  });

  afterAll(async () => {
    await api('DELETE', `vhosts/${vhost}`).catch(() => undefined);
  });

  it('refuses to change a queue that a consumer is reading, and leaves it as it was', async () => {
    const connection = await connect(ADMIN_AMQP);
    try {
      const channel = await connection.createChannel();
      await channel.prefetch(1);
      await channel.consume(queuesOf('view').events, () => undefined);
      await consumersSeen(1);
      await expect(setUpBrokerFor(onVhost())).rejects.toThrow(/view\.events \(classic, 1 consumers\).*stop the apps that consume them/);
    } finally {
      await connection.close();
    }
    expect((await queues()).find((q) => q.name === queuesOf('view').events)?.type).toBe('classic');
    expect(await idsIn(queuesOf('view').events)).toEqual(published.get(queuesOf('view').events));
  });

  it('makes every queue a quorum queue, keeps every message, and leaves nothing aside', async () => {
    await consumersSeen(0);
    await setUpBrokerFor(onVhost());
    const after = await queues();
    expect(after.filter((q) => q.type !== QUEUE_TYPE)).toEqual([]);
    expect(after.map((q) => q.name).sort()).toEqual(
      systemTopology(EXCHANGE, retry)
        .queues.map((q) => q.name)
        .sort(),
    );
    expect(after.filter((q) => q.name.endsWith(asideQueueOf('')))).toEqual([]);
    expect(published.get(queuesOf('view').events)).toHaveLength(40);
    for (const [queue, ids] of published) expect([queue, await idsIn(queue)]).toEqual([queue, ids]);
  });

  it('binds the new queues as the old ones were: a new event reaches its subscribers', async () => {
    const connection = await connect(ADMIN_AMQP);
    const channel = await connection.createConfirmChannel();
    const sent = publishEvent(channel, StorageAssigned, { rentalId: 'r-new', unitCode: 'u' });
    await channel.waitForConfirms();
    await connection.close();
    for (const app of ['rental', 'manage', 'view']) expect(await idsIn(queuesOf(app).events)).toContain(sent.id);
    expect(await idsIn(queuesOf('assign').events)).not.toContain(sent.id);
    // Reached through the subscriptions exchange only: the older release's bindings are gone.
    expect(await sharedExchangeBindings()).toEqual([['exchange', systemTopology(EXCHANGE, retry).route.destination]]);
  });

  it('changes nothing when run again', async () => {
    const before = await Promise.all([...published.keys()].map((queue) => idsIn(queue)));
    await setUpBrokerFor(onVhost());
    expect(await Promise.all([...published.keys()].map((queue) => idsIn(queue)))).toEqual(before);
    expect((await queues()).filter((q) => q.type !== QUEUE_TYPE)).toEqual([]);
  });
});

/**
 * db:setup declaring the topology while an app publishes: after the exchange was deleted under
 * the running apps, say (dead-letters.e2e-spec.ts). The event of one routing key goes to several
 * apps' queues; a publish the broker confirms and does not return must be in every one of them.
 */
describe('db:setup and the subscriptions exchange', () => {
  const RACE_VHOST = encodeURIComponent('storage-rental-e2e-setup-race');
  const RACE_AMQP = `amqp://guest:guest@127.0.0.1:5672/${RACE_VHOST}`;
  const subscribers = BROKER_APPS.filter((app) => SUBSCRIPTIONS[app].includes(StorageAssigned));

  beforeAll(async () => {
    await api('DELETE', `vhosts/${RACE_VHOST}`).catch(() => undefined);
    await api('PUT', `vhosts/${RACE_VHOST}`, {});
    await api('PUT', `permissions/${RACE_VHOST}/guest`, { configure: '.*', write: '.*', read: '.*' });
  });

  afterAll(async () => {
    await api('DELETE', `vhosts/${RACE_VHOST}`).catch(() => undefined);
  });

  /**
   * Publishes one StorageAssigned as a relay does (mandatory, confirmed): its id if the broker took
   * it, undefined if it returned it; throws if the broker closed the channel (no exchange yet).
   */
  async function publishOnce(channel: ConfirmChannel): Promise<string | undefined> {
    const body = envelope(StorageAssigned.type, StorageAssigned.version, { rentalId: randomUUID(), unitCode: 'u' });
    let returned = false;
    const onReturn = () => (returned = true);
    channel.on('return', onReturn);
    try {
      channel.publish(EXCHANGE, StorageAssigned.routingKey, Buffer.from(JSON.stringify(body)), {
        persistent: true,
        mandatory: true,
        messageId: body.id,
      });
      await channel.waitForConfirms();
      // The broker returns a message before it confirms it.
      return returned ? undefined : body.id;
    } finally {
      channel.off('return', onReturn);
    }
  }

  it('puts each event it confirms in every subscriber queue, while it declares the exchange and bindings: all of them or none', async () => {
    expect(subscribers.length).toBeGreaterThan(1);
    const connection = await connect(RACE_AMQP);
    const open = async () => {
      const channel = await connection.createConfirmChannel();
      channel.on('error', () => undefined); // no exchange yet: the broker closes the channel
      return channel;
    };
    const taken: string[] = [];
    let lastId: string | undefined;
    try {
      let channel = await open();
      let setUp = false;
      const setup = setUpBrokerFor(onVhost(RACE_VHOST)).finally(() => (setUp = true));
      // Publishes until db:setup is done, and one more that starts after it.
      for (let after = false; !after;) {
        after = setUp;
        lastId = await publishOnce(channel).catch(async () => {
          channel = await open();
          return undefined;
        });
        if (lastId) taken.push(lastId);
      }
      await setup;
    } finally {
      await connection.close();
    }
    expect(lastId).toBeDefined();
    for (const app of subscribers) expect([app, await idsIn(queuesOf(app).events, RACE_AMQP)]).toEqual([app, [...taken].sort()]);
  });

  it("removes the previous release's bindings of the events queues to the shared exchange", async () => {
    const { bindings, route } = systemTopology(EXCHANGE, retry);
    for (const { queue, routingKey } of bindings.filter(({ exchange }) => exchange === route.destination))
      await api('POST', `bindings/${RACE_VHOST}/e/${encodeURIComponent(EXCHANGE)}/q/${encodeURIComponent(queue)}`, {
        routing_key: routingKey,
      });
    await setUpBrokerFor(onVhost(RACE_VHOST));
    expect(await sharedExchangeBindings(RACE_VHOST)).toEqual([['exchange', route.destination]]);
  });
});
