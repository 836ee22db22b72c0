import { BROKER_APPS, BrokerConfig, brokerPermissionsOf, brokerUrlVariableOf, systemTopology } from '@app/messaging';
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
 * own user with only its permissions (brokerPermissionsOf), and KEDA's user, when KEDA_AMQP_URL
 * names one, with none. Declaring again what exists is a no-op; a password in a URL is set again
 * on every run.
 */
export async function setUpBroker(env: Record<string, string | undefined>): Promise<string> {
  const setup = validateConfig(DbSetupConfig, BrokerConfig)(env);
  const api = managementApi(setup.RABBITMQ_ADMIN_URL);
  const accounts = BROKER_APPS.map((app) => ({ app, url: new URL(setup[brokerUrlVariableOf(app) as keyof DbSetupConfig]) }));
  const scaler = setup.KEDA_AMQP_URL ? new URL(setup.KEDA_AMQP_URL) : undefined;
  const urls = [...accounts.map(({ url }) => url), ...(scaler ? [scaler] : [])];
  const vhosts = new Set(urls.map((url) => decodeURIComponent(url.pathname.slice(1)) || '/'));
  if (vhosts.size !== 1)
    throw new Error(`every app's broker URL (and KEDA_AMQP_URL) must name one vhost; they name ${[...vhosts].join(', ')}`);
  const vhost = encodeURIComponent([...vhosts][0]);
  const administrator = decodeURIComponent(new URL(setup.RABBITMQ_ADMIN_URL).username);

  await api('PUT', `vhosts/${vhost}`, {});
  await api('PUT', `permissions/${vhost}/${encodeURIComponent(administrator)}`, { configure: '.*', write: '.*', read: '.*' });
  const exchange = setup.AMQP_EXCHANGE;
  const topology = systemTopology(exchange, { firstDelayMs: setup.AMQP_RETRY_DELAY_MS, maxAttempts: setup.AMQP_MAX_ATTEMPTS });
  for (const { name, type } of topology.exchanges)
    await api('PUT', `exchanges/${vhost}/${encodeURIComponent(name)}`, { type, durable: true });
  for (const queue of topology.queues)
    await api('PUT', `queues/${vhost}/${encodeURIComponent(queue.name)}`, { durable: true, arguments: queue.arguments });
  for (const { exchange: source, queue, routingKey } of topology.bindings)
    await api('POST', `bindings/${vhost}/e/${encodeURIComponent(source)}/q/${encodeURIComponent(queue)}`, { routing_key: routingKey });

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
  const users = `${accounts.length} app users${scaler ? " and KEDA's" : ''}`;
  return `vhost ${[...vhosts][0]}: ${topology.queues.length} queues, ${topology.bindings.length} bindings, ${users}`;
}
