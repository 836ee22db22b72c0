import { RentalCancelled, StorageAssigned } from '@app/contracts';
import { BROKER_APPS, BrokerConfig, QUEUE_TYPE, queuesOf, systemTopology } from '@app/messaging';
import { connect } from 'amqplib';
import { asideQueueOf, managementApi } from '../scripts/broker-setup';
import { DbSetupConfig } from '../scripts/db-setup.config';
import { E2E_ENV } from './e2e-env';
import { EXCHANGE, publishEvent } from './events';
import { eventually, setUpBrokerFor } from './harness';

/** A vhost of its own: this suite builds an older release's broker there and upgrades it. */
const VHOST = 'storage-rental-e2e-queue-types';
const api = managementApi(new DbSetupConfig().RABBITMQ_ADMIN_URL);
const vhost = encodeURIComponent(VHOST);
const ADMIN_AMQP = `amqp://guest:guest@127.0.0.1:5672/${vhost}`;
// The retry settings db:setup sees here: the e2e environment's, else the defaults.
const settings = Object.assign(new BrokerConfig(), E2E_ENV);
const retry = { firstDelayMs: Number(settings.AMQP_RETRY_DELAY_MS), maxAttempts: Number(settings.AMQP_MAX_ATTEMPTS) };

/** Every app's broker URL on this vhost, for db:setup. */
function onThisVhost(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(E2E_ENV))
    if (/_AMQP_URL$/.test(name)) env[name] = Object.assign(new URL(value), { pathname: `/${vhost}` }).toString();
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

/** The message ids in a queue, read without taking them (each is requeued). */
async function idsIn(queue: string): Promise<string[]> {
  const connection = await connect(ADMIN_AMQP);
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
    // The older release: the same topology with classic events and dead queues.
    const older = systemTopology(EXCHANGE, retry);
    for (const { name, type } of older.exchanges)
      await api('PUT', `exchanges/${vhost}/${encodeURIComponent(name)}`, { type, durable: true });
    for (const queue of older.queues) {
      const classic = queue.name.endsWith('.events') || queue.name.endsWith('.dead');
      const args = Object.fromEntries(Object.entries(queue.arguments).filter(([name]) => !classic || name !== 'x-queue-type'));
      await api('PUT', `queues/${vhost}/${encodeURIComponent(queue.name)}`, { durable: true, arguments: args });
    }
    for (const { exchange, queue, routingKey } of older.bindings)
      await api('POST', `bindings/${vhost}/e/${encodeURIComponent(exchange)}/q/${encodeURIComponent(queue)}`, { routing_key: routingKey });

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
      await expect(setUpBrokerFor(onThisVhost())).rejects.toThrow(/view\.events \(classic, 1 consumers\).*stop the apps that consume them/);
    } finally {
      await connection.close();
    }
    expect((await queues()).find((q) => q.name === queuesOf('view').events)?.type).toBe('classic');
    expect(await idsIn(queuesOf('view').events)).toEqual(published.get(queuesOf('view').events));
  });

  it('makes every queue a quorum queue, keeps every message, and leaves nothing aside', async () => {
    await consumersSeen(0);
    await setUpBrokerFor(onThisVhost());
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
  });

  it('changes nothing when run again', async () => {
    const before = await Promise.all([...published.keys()].map(idsIn));
    await setUpBrokerFor(onThisVhost());
    expect(await Promise.all([...published.keys()].map(idsIn))).toEqual(before);
    expect((await queues()).filter((q) => q.type !== QUEUE_TYPE)).toEqual([]);
  });
});
