import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import { ASSIGN_MIGRATIONS } from '../apps/assign/src/assign.schema';
import { VIEW_MIGRATIONS } from '../apps/view/src/view.schema';
import { E2E_ENV, SPARE_PORTS } from './e2e-env';
import { FaultProxy } from './fault-proxy';
import { AppProcess, eventually, request } from './harness';

const MARIADB = 'mysql://root@127.0.0.1:3306';
const POSTGRES = 'postgres://postgres@127.0.0.1:5432';

async function onPostgres(sql: string, database = 'postgres'): Promise<{ n?: string }[]> {
  const client = new Client({ connectionString: `${POSTGRES}/${database}` });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function onMariadb(sql: string): Promise<{ n?: number }[]> {
  const connection = await createConnection(`${MARIADB}/`);
  try {
    return (await connection.query(sql))[0] as { n?: number }[];
  } finally {
    await connection.end();
  }
}

/**
 * Processes that start together on a database nobody has migrated yet, as the replicas of a new
 * Deployment do: they take turns at the migration lock, and every one becomes ready. Their
 * database link is slowed by 20 ms a message, so that one's migrations are still running when the
 * next one's begin.
 */
describe('migrations when several processes start at once', () => {
  const suffix = randomUUID().slice(0, 8);
  const vhost = `storage-rental-migrations-${suffix}`;
  const amqp = { AMQP_URL: `amqp://guest:guest@127.0.0.1:5672/${vhost}` };
  let started: AppProcess[] = [];
  let slowMariadb: FaultProxy;
  let slowPostgres: FaultProxy;

  beforeAll(async () => {
    slowMariadb = await new FaultProxy(SPARE_PORTS[3], { host: '127.0.0.1', port: 3306 }, undefined, 20).start();
    slowPostgres = await new FaultProxy(SPARE_PORTS[4], { host: '127.0.0.1', port: 5432 }, undefined, 20).start();
    // A vhost of its own: these processes must not consume the other suites' messages.
    execFileSync('rabbitmqctl', ['add_vhost', vhost], { stdio: 'pipe' });
    execFileSync('rabbitmqctl', ['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*'], { stdio: 'pipe' });
  });

  afterEach(async () => {
    await Promise.all(started.map((app) => app.stop()));
    started = [];
  });

  afterAll(async () => {
    execFileSync('rabbitmqctl', ['delete_vhost', vhost], { stdio: 'pipe' });
    await Promise.all([slowMariadb?.stop(), slowPostgres?.stop()]);
  });

  /**
   * Nest retries a database that failed at start, so a process that lost the race would still
   * come up a few seconds later: what must not happen is the failed migration and the retry.
   */
  const startTogether = async (app: 'assign' | 'view', env: Record<string, string>) => {
    const port = (i: number) => String(SPARE_PORTS[i]);
    const portVariable = app === 'assign' ? 'ASSIGN_PORT' : 'VIEW_PORT';
    started = [0, 1, 2].map((i) => new AppProcess(app, SPARE_PORTS[i], { ...amqp, ...env, [portVariable]: port(i) }).start());
    await Promise.all(started.map((process) => process.waitReady()));
    expect(
      started.flatMap((process) =>
        process.output.filter((line) => /Unable to connect to the database|already exists|Duplicate/i.test(line)),
      ),
    ).toEqual([]);
  };

  it('three assign processes on an empty MariaDB database all become ready, and each migration is applied once', async () => {
    const database = `assign_migrations_${suffix}`;
    await onMariadb(`CREATE DATABASE \`${database}\``);
    try {
      await startTogether('assign', { ASSIGN_DATABASE_URL: `mysql://root@127.0.0.1:${SPARE_PORTS[3]}/${database}` });
      const [{ n }] = await onMariadb(`SELECT COUNT(*) AS n FROM \`${database}\`.migrations`);
      expect(Number(n)).toBe(ASSIGN_MIGRATIONS.length);
    } finally {
      await Promise.all(started.map((app) => app.stop()));
      await onMariadb(`DROP DATABASE \`${database}\``);
    }
  });

  it('three view processes on an empty PostgreSQL database all become ready, and each migration is applied once', async () => {
    const database = `view_migrations_${suffix}`;
    await onPostgres(`CREATE DATABASE ${database}`);
    try {
      await startTogether('view', { VIEW_DATABASE_URL: `postgres://postgres@127.0.0.1:${SPARE_PORTS[4]}/${database}` });
      const [{ n }] = await onPostgres('SELECT COUNT(*) AS n FROM migrations', database);
      expect(Number(n)).toBe(VIEW_MIGRATIONS.length);
    } finally {
      await Promise.all(started.map((app) => app.stop()));
      await onPostgres(`DROP DATABASE ${database}`);
    }
  });

  it('a process that does not migrate at start is unready until db:setup has migrated its database, then ready', async () => {
    const database = `view_setup_first_${suffix}`;
    await onPostgres(`CREATE DATABASE ${database}`);
    const url = `postgres://view@127.0.0.1:5432/${database}`;
    const view = new AppProcess('view', SPARE_PORTS[0], {
      ...amqp,
      VIEW_DATABASE_URL: url,
      VIEW_PORT: String(SPARE_PORTS[0]),
      MIGRATE_AT_START: 'false',
    });
    started = [view.start()];
    try {
      const unready = await eventually(
        () => request('GET', `${view.url}/health/ready`).catch(() => undefined),
        (answer) => answer?.status === 503,
        { message: 'view did not answer its readiness probe' },
      );
      expect(unready!.body.details.database).toEqual(
        expect.objectContaining({ status: 'down', pendingMigrations: VIEW_MIGRATIONS.map((migration) => new migration().name) }),
      );
      // The probe only reads: it made no migrations table, which db:setup's run would race.
      expect(await onPostgres(`SELECT COUNT(*) AS n FROM pg_tables WHERE tablename = 'migrations'`, database)).toEqual([{ n: '0' }]);

      execFileSync('npm', ['run', '--silent', 'db:setup'], { env: { ...process.env, ...E2E_ENV, VIEW_DATABASE_URL: url }, stdio: 'pipe' });
      await eventually(
        () => request('GET', `${view.url}/health/ready`),
        (answer) => answer.status === 200,
        { message: 'view did not become ready once its database was migrated' },
      );
    } finally {
      await Promise.all(started.map((app) => app.stop()));
      await onPostgres(`DROP DATABASE ${database} WITH (FORCE)`);
    }
  });
});
