import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import { ADMIN_DATABASES, E2E_DATABASES } from './e2e-env';
import { TestSystem } from './harness';
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

/**
 * Issue 14, item 7: each app connects as a user of its own (made by db:setup) that owns its
 * database and nothing else; no app needs a superuser.
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
});
