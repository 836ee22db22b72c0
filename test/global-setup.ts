import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import { appEntry } from '../scripts/build-output';
import { ADMIN_DATABASES, APPS, E2E_DATABASES, E2E_ENV, E2E_VHOST } from './e2e-env';

/** A clean slate for every run: fresh e2e databases (migrated by db:setup) and a fresh vhost. */
export default async function globalSetup(): Promise<void> {
  const missing = APPS.filter((app) => !existsSync(appEntry(app)));
  if (missing.length > 0) throw new Error(`Build the apps first (npm run build); missing: ${missing.join(', ')}`);

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
