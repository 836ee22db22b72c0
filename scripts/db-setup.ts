/**
 * Creates each app's database if it is missing, then runs that app's migrations.
 * Usage: npm run db:setup   (reads the same environment variables as the apps)
 */
import { databaseOptions, migrateUnderLock, validateConfig } from '@app/platform';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { AssignConfig } from '../apps/assign/src/assign.config';
import { ASSIGN_ENTITIES, ASSIGN_MIGRATIONS } from '../apps/assign/src/assign.schema';
import { ManageConfig } from '../apps/manage/src/manage.config';
import { MANAGE_ENTITIES, MANAGE_MIGRATIONS } from '../apps/manage/src/manage.schema';
import { RentalConfig } from '../apps/rental/src/rental.config';
import { RENTAL_ENTITIES, RENTAL_MIGRATIONS } from '../apps/rental/src/rental.schema';
import { ViewConfig } from '../apps/view/src/view.config';
import { VIEW_ENTITIES, VIEW_MIGRATIONS } from '../apps/view/src/view.schema';

const databases = [
  {
    app: 'rental',
    url: validateConfig(RentalConfig)(process.env).RENTAL_DATABASE_URL,
    entities: RENTAL_ENTITIES,
    migrations: RENTAL_MIGRATIONS,
  },
  {
    app: 'manage',
    url: validateConfig(ManageConfig)(process.env).MANAGE_DATABASE_URL,
    entities: MANAGE_ENTITIES,
    migrations: MANAGE_MIGRATIONS,
  },
  {
    app: 'assign',
    url: validateConfig(AssignConfig)(process.env).ASSIGN_DATABASE_URL,
    entities: ASSIGN_ENTITIES,
    migrations: ASSIGN_MIGRATIONS,
  },
  { app: 'view', url: validateConfig(ViewConfig)(process.env).VIEW_DATABASE_URL, entities: VIEW_ENTITIES, migrations: VIEW_MIGRATIONS },
];

async function createDatabaseIfMissing(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[\w-]+$/.test(name)) throw new Error(`Refusing to create a database named ${JSON.stringify(name)}`);
  if (target.protocol.startsWith('postgres')) {
    const server = new URL(url);
    server.pathname = '/postgres';
    const client = new Client({ connectionString: server.toString() });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount) return false;
      await client.query(`CREATE DATABASE "${name}"`);
      return true;
    } finally {
      await client.end();
    }
  }
  const server = new URL(url.replace(/^mariadb:/, 'mysql:'));
  server.pathname = '/';
  const connection = await createConnection(server.toString());
  try {
    const [result] = await connection.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4`);
    return (result as { warningStatus: number }).warningStatus === 0;
  } finally {
    await connection.end();
  }
}

async function main() {
  for (const [index, database] of databases.entries()) {
    const step = `[${index + 1}/${databases.length}] ${database.app}`;
    const created = await createDatabaseIfMissing(database.url);
    const dataSource = new DataSource({
      ...(databaseOptions(database.url, database.entities, database.migrations) as DataSourceOptions),
      logging: ['error'],
    });
    await dataSource.initialize();
    try {
      const applied = await migrateUnderLock(dataSource);
      console.log(`${step}: database ${created ? 'created' : 'present'}, ${applied.length} migration(s) applied`);
    } finally {
      await dataSource.destroy();
    }
  }
}

main().catch((error: unknown) => {
  console.error(`db:setup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
