import { execFileSync } from 'node:child_process';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import { ADMIN_DATABASES, E2E_DATABASES, E2E_ENV, E2E_VHOST } from './e2e-env';

/**
 * A clean slate for one Jest worker's slot (e2e-env.ts picks it from JEST_WORKER_ID): fresh e2e
 * databases (migrated by db:setup) and a fresh vhost. global-setup.ts runs it once per worker.
 */
async function prepareSlot(): Promise<void> {
  const postgres = new Client({ connectionString: ADMIN_DATABASES.postgres });
  await postgres.connect();
  for (const url of [E2E_DATABASES.rental, E2E_DATABASES.manage, E2E_DATABASES.view]) {
    await postgres.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
  }
  await postgres.end();
  const mariadb = await createConnection(ADMIN_DATABASES.mariadb);
  await mariadb.query(`DROP DATABASE IF EXISTS \`${new URL(E2E_DATABASES.assign).pathname.slice(1)}\``);
  await mariadb.end();

  // A fresh vhost: db:setup makes it again, with the topology and the apps' broker users.
  rabbitmqctl('delete_vhost', E2E_VHOST, true);
  execFileSync('npm', ['run', '--silent', 'db:setup'], { env: { ...process.env, ...E2E_ENV }, stdio: 'inherit' });
}

function rabbitmqctl(...args: (string | boolean)[]): void {
  const mayFail = args.at(-1) === true;
  try {
    execFileSync(
      'rabbitmqctl',
      args.filter((a): a is string => typeof a === 'string'),
      { stdio: 'pipe' },
    );
  } catch (error) {
    if (!mayFail) throw error;
  }
}

prepareSlot().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
