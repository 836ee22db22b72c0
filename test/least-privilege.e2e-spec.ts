import { RentalCancelled, StorageAssigned, StorageReleased } from '@app/contracts';
import { BROKER_APPS, BrokerApp, brokerUrlVariableOf, queuesOf } from '@app/messaging';
import { ConfirmChannel, connect } from 'amqplib';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import { ADMIN_DATABASES, E2E_DATABASES, E2E_ENV, E2E_VHOST } from './e2e-env';
import { EXCHANGE, envelope } from './events';
import { TestSystem, eventually, setUpBrokerFor } from './harness';
import { RentalApi } from './rental-api';

const nameOf = (url: string) => new URL(url).pathname.slice(1);
const userOf = (url: string) => new URL(url).username;
/** A database URL with another user in it (the local servers trust the address, so no password is needed). */
const as = (user: string, url: string) => Object.assign(new URL(url), { username: user }).toString();

async function onPostgres<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

async function onMariadb<T>(url: string, sql: string): Promise<T[]> {
  const connection = await createConnection(url);
  try {
    return (await connection.query(sql))[0] as T[];
  } finally {
    await connection.end();
  }
}

/** The broker account db:setup made for an app (test/e2e-env.ts names them). */
const brokerUrlOf = (app: BrokerApp) => E2E_ENV[brokerUrlVariableOf(app)];

/**
 * Publishes as an app's broker user and waits for the confirm; resolves to the broker's refusal
 * (the channel error's message), or undefined once the broker took the message.
 */
async function publishAs(
  app: BrokerApp,
  exchange: string,
  routingKey: string,
  body: { id: string; type: string },
): Promise<string | undefined> {
  const connection = await connect(brokerUrlOf(app));
  try {
    const channel = await connection.createConfirmChannel();
    const refused = new Promise<string>((resolve) => channel.on('error', (error: Error) => resolve(error.message)));
    const confirmed = new Promise<undefined>((resolve, reject) =>
      channel.publish(
        exchange,
        routingKey,
        Buffer.from(JSON.stringify(body)),
        { persistent: true, messageId: body.id, type: body.type },
        (error) => (error ? reject(error) : resolve(undefined)),
      ),
    );
    return await Promise.race([refused, confirmed.catch(() => refused)]);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** RabbitMQ's management API as its administrator: who is connected. */
async function brokerUsersConnected(): Promise<string[]> {
  const response = await fetch('http://127.0.0.1:15672/api/connections', {
    headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
  });
  const connections = (await response.json()) as { user: string; vhost: string }[];
  return [...new Set(connections.filter((c) => c.vhost === E2E_VHOST).map((c) => c.user))].sort();
}

/**
 * Issue 14, item 7: each app connects as a user of its own (made by db:setup) that owns its
 * database and nothing else, and as a broker user that may publish only its own events.
 */
describe('least privilege', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
    // Some work, so that every app has used its pool.
    const api = new RentalApi(system.gateway);
    await api.viewWithStatus((await api.apply()).body.id, 'CONFIRMED');
  });

  afterAll(() => system?.stop());

  it('every app is connected as its own user, never as a superuser or root', async () => {
    const postgres = [E2E_DATABASES.rental, E2E_DATABASES.manage, E2E_DATABASES.view];
    const connected = await onPostgres<{ datname: string; usename: string; rolsuper: boolean }>(
      ADMIN_DATABASES.postgres,
      `SELECT DISTINCT a.datname, a.usename, r.rolsuper FROM pg_stat_activity a JOIN pg_roles r ON r.rolname = a.usename
        WHERE a.datname IN (${postgres.map((url) => `'${nameOf(url)}'`).join(', ')}) ORDER BY a.datname`,
    );
    expect(connected).toEqual(
      postgres
        .map((url) => ({ datname: nameOf(url), usename: userOf(url), rolsuper: false }))
        .sort((a, b) => a.datname.localeCompare(b.datname)),
    );

    const assign = await onMariadb<{ user: string }>(
      ADMIN_DATABASES.mariadb,
      `SELECT DISTINCT user FROM information_schema.processlist WHERE db = '${nameOf(E2E_DATABASES.assign)}'`,
    );
    expect(assign).toEqual([{ user: userOf(E2E_DATABASES.assign) }]);
  });

  it("view's database user cannot touch manage's database, nor rental's", async () => {
    for (const other of [E2E_DATABASES.manage, E2E_DATABASES.rental]) {
      await expect(onPostgres(as(userOf(E2E_DATABASES.view), other), 'SELECT count(*) FROM outbox_message')).rejects.toThrow(
        /permission denied for database/,
      );
    }
  });

  it("no app's PostgreSQL user may create databases or roles, or is a superuser", async () => {
    const roles = await onPostgres<{ rolname: string; rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean }>(
      ADMIN_DATABASES.postgres,
      `SELECT rolname, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname IN ('rental', 'manage', 'view') ORDER BY rolname`,
    );
    expect(roles).toEqual(
      ['manage', 'rental', 'view'].map((rolname) => ({ rolname, rolsuper: false, rolcreatedb: false, rolcreaterole: false })),
    );
  });

  it("assign's MariaDB user sees only assign's databases (this one, and development's or the bench's)", async () => {
    const own = E2E_DATABASES.assign;
    const seen = (await onMariadb<{ Database: string }>(own, 'SHOW DATABASES')).map((d) => d.Database);
    expect(seen).toContain(nameOf(own));
    expect(seen.filter((name) => name !== 'information_schema' && !name.startsWith('assign'))).toEqual([]);
    await expect(onMariadb(own, 'SELECT user FROM mysql.user')).rejects.toThrow(/denied/);
    await expect(onMariadb(own, 'CREATE DATABASE not_assigns')).rejects.toThrow(/denied/);
  });

  describe('the broker', () => {
    it('every app with a queue is connected as its own broker user, never as the administrator', async () => {
      const expected = BROKER_APPS.map((app) => decodeURIComponent(new URL(brokerUrlOf(app)).username)).sort();
      expect(await eventually(brokerUsersConnected, (users) => users.length >= expected.length)).toEqual(expected);
    });

    it("view's broker user cannot publish storage.assigned.v1, nor can rental's: only assign's may", async () => {
      const forged = envelope(StorageAssigned.type, StorageAssigned.version, { rentalId: crypto.randomUUID(), unitCode: 'FORGED-1' });
      for (const app of ['view', 'rental', 'manage'] as const) {
        expect([app, await publishAs(app, EXCHANGE, StorageAssigned.routingKey, forged)]).toEqual([
          app,
          expect.stringMatching(/ACCESS_REFUSED/),
        ]);
      }
      expect(await publishAs('assign', EXCHANGE, StorageAssigned.routingKey, forged)).toBeUndefined();
    });

    it("no app's broker user may put a message in another's queue, or delete one", async () => {
      const forged = envelope(StorageAssigned.type, StorageAssigned.version, { rentalId: crypto.randomUUID(), unitCode: 'FORGED-2' });
      // The default exchange reaches every queue by its name.
      expect(await publishAs('rental', '', queuesOf('manage').events, forged)).toMatch(/ACCESS_REFUSED/);
      expect(await publishAs('rental', 'manage.moves', queuesOf('manage').dead, forged)).toMatch(/ACCESS_REFUSED/);
      const connection = await connect(brokerUrlOf('rental'));
      try {
        const channel = await connection.createChannel();
        const refused = new Promise<string>((resolve) => channel.on('error', (error: Error) => resolve(error.message)));
        await channel.deleteQueue(queuesOf('view').events).catch(() => undefined);
        expect(await refused).toMatch(/ACCESS_REFUSED/);
      } finally {
        await connection.close().catch(() => undefined);
      }
    });

    it("KEDA's user, made by db:setup, reads a queue's depth and nothing more: no message, no publish, no management API", async () => {
      const keda = `amqp://e2e-keda:e2e-keda-broker@127.0.0.1:5672/${E2E_VHOST}`;
      await setUpBrokerFor({ KEDA_AMQP_URL: keda });
      const connection = await connect(keda);
      try {
        const depth = await connection.createChannel();
        expect(await depth.checkQueue(queuesOf('manage').events)).toEqual(expect.objectContaining({ queue: queuesOf('manage').events }));
        const reader = await connection.createChannel();
        const refused = new Promise<string>((resolve) => reader.on('error', (error: Error) => resolve(error.message)));
        await reader.get(queuesOf('manage').events).catch(() => undefined);
        expect(await refused).toMatch(/ACCESS_REFUSED/);
      } finally {
        await connection.close().catch(() => undefined);
      }
      const management = await fetch('http://127.0.0.1:15672/api/queues', {
        headers: { authorization: `Basic ${Buffer.from('e2e-keda:e2e-keda-broker').toString('base64')}` },
      });
      expect(management.status).toBe(401);
      // An app's user is refused as KEDA's: it may do more than read depths.
      await expect(setUpBrokerFor({ KEDA_AMQP_URL: brokerUrlOf('view') })).rejects.toThrow(/user of its own/);
    });

    it("the operators' user, made by db:setup, takes dead letters and writes by the default exchange, and nothing more: no events queue, no shared exchange, no declaring, no management API", async () => {
      const ops = `amqp://e2e-ops:e2e-ops-broker@127.0.0.1:5672/${E2E_VHOST}`;
      await setUpBrokerFor({ OPS_AMQP_URL: ops });
      const connection = await connect(ops);
      /** Runs `act` on a channel of its own and resolves to the broker's refusal (which closes the channel), or undefined. */
      const refusalOf = async (act: (channel: ConfirmChannel) => Promise<unknown>): Promise<string | undefined> => {
        const channel = await connection.createConfirmChannel();
        const refused = new Promise<string>((resolve) => channel.on('error', (error: Error) => resolve(error.message)));
        const done = act(channel).then(
          () => undefined,
          () => refused,
        );
        return Promise.race([refused, done]);
      };
      try {
        // What `ops dead-letters` does: take a dead letter (put back at once), and publish to a queue by its name.
        expect(
          await refusalOf(async (channel) => {
            await channel.get(queuesOf('view').dead, { noAck: false });
            channel.nackAll(true);
            await channel.checkQueue(queuesOf('view').events);
          }),
        ).toBeUndefined();
        const nowhere = 'e2e-ops-no-such-queue';
        expect(
          await refusalOf(
            (channel) =>
              new Promise<void>((resolve, reject) =>
                channel.sendToQueue(nowhere, Buffer.from('{}'), {}, (error) => (error ? reject(error) : resolve())),
              ),
          ),
        ).toBeUndefined();
        expect(await refusalOf((channel) => channel.get(queuesOf('view').events))).toMatch(/ACCESS_REFUSED/);
        expect(
          await refusalOf(
            (channel) =>
              new Promise<void>((resolve, reject) =>
                channel.publish(EXCHANGE, StorageAssigned.routingKey, Buffer.from('{}'), {}, (error) =>
                  error ? reject(error) : resolve(),
                ),
              ),
          ),
        ).toMatch(/ACCESS_REFUSED/);
        expect(await refusalOf((channel) => channel.assertQueue(nowhere, { durable: false }))).toMatch(/ACCESS_REFUSED/);
      } finally {
        await connection.close().catch(() => undefined);
      }
      const management = await fetch('http://127.0.0.1:15672/api/queues', {
        headers: { authorization: `Basic ${Buffer.from('e2e-ops:e2e-ops-broker').toString('base64')}` },
      });
      expect(management.status).toBe(401);
      // An app's user, or KEDA's, is refused as the operators': it may do other things; so is another vhost.
      await expect(setUpBrokerFor({ OPS_AMQP_URL: brokerUrlOf('view') })).rejects.toThrow(/user of their own/);
      const keda = `amqp://e2e-keda:e2e-keda-broker@127.0.0.1:5672/${E2E_VHOST}`;
      await expect(setUpBrokerFor({ KEDA_AMQP_URL: keda, OPS_AMQP_URL: keda })).rejects.toThrow(/OPS_AMQP_URL names e2e-keda/);
      await expect(setUpBrokerFor({ OPS_AMQP_URL: `amqp://e2e-ops:e2e-ops-broker@127.0.0.1:5672/elsewhere` })).rejects.toThrow(
        /must name one vhost/,
      );
    });

    it('a forged event never takes effect: one under a key its publisher may use, but of another type, is dead-lettered', async () => {
      const api = new RentalApi(system.gateway);
      const rental = await api.apply();
      await api.viewWithStatus(rental.body.id, 'CONFIRMED');
      // rental may publish rental.cancelled.v1, which view takes; as StorageReleased it would end the rental's view CANCELLED.
      const forged = envelope(StorageReleased.type, StorageReleased.version, { rentalId: rental.body.id, unitCode: 'FORGED-3' });
      expect(await publishAs('rental', EXCHANGE, RentalCancelled.routingKey, forged)).toBeUndefined();
      await eventually(
        () =>
          Promise.resolve(system.app('view').output.filter((line) => line.includes(`Dead-lettered message`) && line.includes(forged.id))),
        (lines) => lines.length === 1,
        { message: 'view did not refuse the forged message' },
      );
      expect(system.app('view').output.find((line) => line.includes(forged.id))).toContain(
        `published as ${RentalCancelled.routingKey}, which does not carry StorageReleased v1`,
      );
      expect((await api.view(rental.body.id)).body.status).toBe('CONFIRMED');
    });
  });
});
