import { randomUUID } from 'node:crypto';
import {
  BROKER_APPS,
  BrokerConfig,
  Topology,
  brokerPermissionsOf,
  brokerUrlVariableOf,
  opsBrokerPermissions,
  systemTopology,
} from '@app/messaging';
import { validateConfig } from '@app/platform';
import { DbSetupConfig } from './db-setup.config';

/** Calls to RabbitMQ's management API as its administrator, answering the parsed body; each throws with the broker's reason. */
export function managementApi(adminUrl: string) {
  const base = new URL(adminUrl);
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`;
  base.username = '';
  base.password = '';
  return async (method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: object): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(new URL(`api/${path}`, base), {
        method,
        headers: { authorization, ...(body && { 'content-type': 'application/json' }) },
        body: body && JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new Error(`cannot reach RabbitMQ's management API at ${base} (is its management plugin on?): ${(error as Error).message}`);
    }
    // Read either way: an unread body holds its connection.
    const text = await response.text();
    if (!response.ok)
      throw new Error(`RabbitMQ's management API answered ${method} /api/${path} with ${response.status}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/**
 * The broker's half of db:setup: the apps' vhost, the whole topology (systemTopology), each app's
 * own user with only its permissions (brokerPermissionsOf), KEDA's user, when KEDA_AMQP_URL
 * names one, with none, and the operators' user, when OPS_AMQP_URL names one, with
 * opsBrokerPermissions. Declaring again what exists is a no-op; a password in a URL is set again
 * on every run. A queue that exists with another type (an older release's classic queue) is
 * declared again with its messages kept (moveAside, moveBack).
 */
export async function setUpBroker(env: Record<string, string | undefined>): Promise<string> {
  const setup = validateConfig(DbSetupConfig, BrokerConfig)(env);
  const api = managementApi(setup.RABBITMQ_ADMIN_URL);
  const accounts = BROKER_APPS.map((app) => ({ app, url: new URL(setup[brokerUrlVariableOf(app) as keyof DbSetupConfig]) }));
  const scaler = setup.KEDA_AMQP_URL ? new URL(setup.KEDA_AMQP_URL) : undefined;
  const operators = setup.OPS_AMQP_URL ? new URL(setup.OPS_AMQP_URL) : undefined;
  const urls = [...accounts.map(({ url }) => url), ...(scaler ? [scaler] : []), ...(operators ? [operators] : [])];
  const vhosts = new Set(urls.map((url) => decodeURIComponent(url.pathname.slice(1)) || '/'));
  if (vhosts.size !== 1)
    throw new Error(`every app's broker URL (and KEDA_AMQP_URL, OPS_AMQP_URL) must name one vhost; they name ${[...vhosts].join(', ')}`);
  const vhost = encodeURIComponent([...vhosts][0]);
  const administrator = decodeURIComponent(new URL(setup.RABBITMQ_ADMIN_URL).username);

  await api('PUT', `vhosts/${vhost}`, {});
  await api('PUT', `permissions/${vhost}/${encodeURIComponent(administrator)}`, { configure: '.*', write: '.*', read: '.*' });
  const exchange = setup.AMQP_EXCHANGE;
  const topology = systemTopology(exchange, { firstDelayMs: setup.AMQP_RETRY_DELAY_MS, maxAttempts: setup.AMQP_MAX_ATTEMPTS });
  for (const { name, type, internal } of topology.exchanges)
    await api('PUT', `exchanges/${vhost}/${encodeURIComponent(name)}`, { type, durable: true, internal });
  const changing = await queuesChangingType(api, vhost, topology);
  const declare = async (queue: TopologyQueue) =>
    api('PUT', `queues/${vhost}/${encodeURIComponent(queue.name)}`, { durable: true, arguments: queue.arguments });
  const bind = (queue: TopologyQueue) => bindLike(api, vhost, topology, queue);
  // Every queue bound before the shared exchange routes to them (topology.route): an app publishing
  // meanwhile, after its exchange was deleted say, reaches all of an event's subscribers or none.
  for (const queue of topology.queues) {
    if (!changing.includes(queue)) await declare(queue);
    await bind(queue);
  }
  const { source, destination, routingKey } = topology.route;
  await api('POST', `bindings/${vhost}/e/${encodeURIComponent(source)}/e/${encodeURIComponent(destination)}`, { routing_key: routingKey });
  await unbindFromSharedExchange(api, vhost, topology);
  for (const queue of changing) {
    await moveAside(api, vhost, topology, queue);
    await declare(queue);
    await bind(queue);
  }
  // Also after a run that stopped half-way: whatever waits aside goes back into its queue.
  const present = new Set(((await api('GET', `queues/${vhost}?columns=name`)) as { name: string }[]).map(({ name }) => name));
  for (const queue of topology.queues) if (present.has(asideQueueOf(queue.name))) await moveBack(api, vhost, queue);

  for (const { app, url } of accounts) {
    const user = decodeURIComponent(url.username);
    if (user === administrator)
      throw new Error(`${brokerUrlVariableOf(app)} names ${user}, the administrator: give ${app} a user of its own`);
    const permissions = brokerPermissionsOf(app, exchange);
    await api('PUT', `users/${encodeURIComponent(user)}`, { password: decodeURIComponent(url.password), tags: '' });
    const { topic, ...basic } = permissions;
    await api('PUT', `permissions/${vhost}/${encodeURIComponent(user)}`, basic);
    await api('PUT', `topic-permissions/${vhost}/${encodeURIComponent(user)}`, topic);
  }

  // KEDA reads a queue's depth with a passive queue.declare, which RabbitMQ answers without any
  // permission: its user gets none, and no tag, so it can consume, publish and declare nothing.
  if (scaler) {
    const user = decodeURIComponent(scaler.username);
    const appUsers = accounts.map(({ url }) => decodeURIComponent(url.username));
    if (user === administrator || appUsers.includes(user))
      throw new Error(`KEDA_AMQP_URL names ${user}, who may do more than read queue depths: give KEDA a user of its own`);
    await api('PUT', `users/${encodeURIComponent(user)}`, { password: decodeURIComponent(scaler.password), tags: '' });
    await api('PUT', `permissions/${vhost}/${encodeURIComponent(user)}`, { configure: '^$', write: '^$', read: '^$' });
  }
  // The operators' user: no tag either, so no management API; its grants are opsBrokerPermissions'.
  if (operators) {
    const user = decodeURIComponent(operators.username);
    const others = [administrator, ...accounts.map(({ url }) => decodeURIComponent(url.username))];
    if (scaler) others.push(decodeURIComponent(scaler.username));
    if (others.includes(user))
      throw new Error(`OPS_AMQP_URL names ${user}, who is the administrator, an app or KEDA: give the operators a user of their own`);
    await api('PUT', `users/${encodeURIComponent(user)}`, { password: decodeURIComponent(operators.password), tags: '' });
    await api('PUT', `permissions/${vhost}/${encodeURIComponent(user)}`, opsBrokerPermissions());
  }
  const extra = [...(scaler ? ["KEDA's"] : []), ...(operators ? ["the operators'"] : [])];
  const users = `${accounts.length} app users${extra.length > 0 ? ` and ${extra.join(' and ')}` : ''}`;
  const moved =
    changing.length > 0 ? ` (${changing.map((q) => q.name).join(', ')} made ${changing[0].arguments['x-queue-type']}, messages kept)` : '';
  return `vhost ${[...vhosts][0]}: ${topology.queues.length} queues${moved}, ${topology.bindings.length} bindings, ${users}`;
}

type ManagementApi = ReturnType<typeof managementApi>;
type TopologyQueue = Topology['queues'][number];

/** Binds `target` (the queue itself, or its aside queue) as the topology binds the queue. */
async function bindLike(api: ManagementApi, vhost: string, topology: Topology, queue: TopologyQueue, target = queue.name): Promise<void> {
  for (const { exchange, routingKey } of topology.bindings.filter((binding) => binding.queue === queue.name))
    await api('POST', `bindings/${vhost}/e/${encodeURIComponent(exchange)}/q/${encodeURIComponent(target)}`, { routing_key: routingKey });
}

/**
 * An older release bound the events queues to the shared exchange itself. Once they are reached
 * through the subscriptions exchange too, those bindings go (a message routed to a queue by two
 * bindings is put in it once); a queue not ours keeps its bindings.
 */
async function unbindFromSharedExchange(api: ManagementApi, vhost: string, topology: Topology): Promise<void> {
  const { source } = topology.route;
  const ours = new Set(topology.queues.map(({ name }) => name));
  const bindings = (await api('GET', `exchanges/${vhost}/${encodeURIComponent(source)}/bindings/source`)) as {
    destination: string;
    destination_type: 'queue' | 'exchange';
    properties_key: string;
  }[];
  for (const { destination, properties_key } of bindings.filter((b) => b.destination_type === 'queue' && ours.has(b.destination)))
    await api(
      'DELETE',
      `bindings/${vhost}/e/${encodeURIComponent(source)}/q/${encodeURIComponent(destination)}/${encodeURIComponent(properties_key)}`,
    );
}

/** Where a queue's messages wait while it is declared again with another type. */
export function asideQueueOf(queue: string): string {
  return `${queue}.changing-type`;
}

const STOP_CONSUMERS = 'stop the apps that consume them and run db:setup again (no message is lost)';
const SHOVEL_POLL_MS = 200;
const SHOVEL_TIMEOUT_MS = 120_000;

/**
 * Our queues that exist with another type than the topology's (a classic queue of an older
 * release; a queue cannot change type in place). Refused while a consumer reads one: its unacked
 * messages would go with the queue, so the apps that consume it are stopped first.
 */
async function queuesChangingType(api: ManagementApi, vhost: string, topology: Topology): Promise<TopologyQueue[]> {
  const existing = (await api('GET', `queues/${vhost}?columns=name,type`)) as { name: string; type: string }[];
  const typeOf = new Map(existing.map((queue) => [queue.name, queue.type]));
  const changing = topology.queues.filter((queue) => {
    const type = typeOf.get(queue.name);
    return type !== undefined && type !== (queue.arguments['x-queue-type'] ?? 'classic');
  });
  if (changing.length === 0) return changing;
  // The consumer list, not the queue's own counter: that one is refreshed only every few seconds.
  const consumers = (await api('GET', `consumers/${vhost}`)) as { queue: { name: string } }[];
  const busy = changing
    .map((queue) => ({ queue, count: consumers.filter((consumer) => consumer.queue.name === queue.name).length }))
    .filter(({ count }) => count > 0);
  if (busy.length > 0) {
    const names = busy.map(({ queue, count }) => `${queue.name} (${typeOf.get(queue.name)}, ${count} consumers)`);
    throw new Error(`${names.join(', ')} must become ${busy[0].queue.arguments['x-queue-type']} queues: ${STOP_CONSUMERS}`);
  }
  return changing;
}

/**
 * Moves a queue's messages to its aside queue, which takes its bindings first, then deletes it so
 * that it can be declared with its new type. Each step may run again after a crash: at worst a
 * message is in both queues for a moment, and the consumer's inbox absorbs the duplicate.
 */
async function moveAside(api: ManagementApi, vhost: string, topology: Topology, queue: TopologyQueue): Promise<void> {
  const aside = asideQueueOf(queue.name);
  await api('PUT', `queues/${vhost}/${encodeURIComponent(aside)}`, { durable: true, arguments: queue.arguments });
  await bindLike(api, vhost, topology, queue, aside);
  await unbindAll(api, vhost, queue.name);
  // The queue gets nothing new now; delete it only when empty and unread, and shovel again what came late.
  for (;;) {
    await shovel(api, vhost, queue.name, aside);
    try {
      await api('DELETE', `queues/${vhost}/${encodeURIComponent(queue.name)}?if-empty=true&if-unused=true`);
      return;
    } catch (error) {
      const message = (error as Error).message;
      if (/in use/.test(message)) throw new Error(`${queue.name} has a consumer again: ${STOP_CONSUMERS}`);
      if (!/\b400\b/.test(message)) throw error;
    }
  }
}

/** Puts what waits aside back into the queue (declared and bound by now), then deletes the aside queue. */
async function moveBack(api: ManagementApi, vhost: string, queue: TopologyQueue): Promise<void> {
  const aside = asideQueueOf(queue.name);
  await unbindAll(api, vhost, aside);
  // Nothing can reach it now. A quorum queue refuses if-empty deletes, so emptiness is asked of the
  // queue itself (the listing's count trails by seconds).
  do await shovel(api, vhost, aside, queue.name);
  while (((await api('POST', `queues/${vhost}/${encodeURIComponent(aside)}/get`, PEEK)) as unknown[]).length > 0);
  await api('DELETE', `queues/${vhost}/${encodeURIComponent(aside)}`);
}

/** A get that puts the message back: whether a queue holds anything, from the queue itself. */
const PEEK = { count: 1, ackmode: 'reject_requeue_true', encoding: 'auto' };

/** Removes every binding of a queue but the default exchange's. */
async function unbindAll(api: ManagementApi, vhost: string, queue: string): Promise<void> {
  const bindings = (await api('GET', `queues/${vhost}/${encodeURIComponent(queue)}/bindings`)) as {
    source: string;
    properties_key: string;
  }[];
  for (const { source, properties_key } of bindings.filter(({ source }) => source !== ''))
    await api(
      'DELETE',
      `bindings/${vhost}/e/${encodeURIComponent(source)}/q/${encodeURIComponent(queue)}/${encodeURIComponent(properties_key)}`,
    );
}

/**
 * Moves every message in `from` to `to` with RabbitMQ's shovel plugin: each is acked at the source
 * only once the destination has confirmed it, properties and headers kept. It goes through the
 * default exchange, which no app may write to, so the consumer's routing-key check leaves it alone.
 */
async function shovel(api: ManagementApi, vhost: string, from: string, to: string): Promise<void> {
  // Unique: a shovel of a vhost deleted mid-move may linger under its name.
  const name = `changing-type-${from}-${randomUUID()}`;
  const path = `parameters/shovel/${vhost}/${encodeURIComponent(name)}`;
  // The vhost in the URI: a bare amqp:// would be the default vhost.
  const uri = `amqp:///${vhost}`;
  await api('PUT', path, {
    value: {
      'src-protocol': 'amqp091',
      'src-uri': uri,
      'src-queue': from,
      'dest-protocol': 'amqp091',
      'dest-uri': uri,
      'dest-exchange': '',
      'dest-exchange-key': to,
      'ack-mode': 'on-confirm',
      'src-delete-after': 'queue-length',
    },
  }).catch((error: Error) => {
    throw new Error(`cannot move ${from}'s messages (is RabbitMQ's rabbitmq_shovel plugin on?): ${error.message}`);
  });
  // The shovel deletes itself once it has moved what the queue held when it started.
  const deadline = Date.now() + SHOVEL_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      await api('GET', path);
    } catch (error) {
      if (/\b404\b/.test((error as Error).message)) return;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, SHOVEL_POLL_MS));
  }
  // A consumer that holds messages unacked keeps them from the shovel.
  throw new Error(
    `moving ${from}'s messages to ${to} took longer than ${SHOVEL_TIMEOUT_MS / 1000} s: is an app reading ${from}? ${STOP_CONSUMERS}`,
  );
}
