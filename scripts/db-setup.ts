/**
 * Gives each app its own database user (PostgreSQL role, MariaDB user) and its database, owned by
 * that user, then runs that app's migrations as that user; then declares the broker's topology and
 * gives each app its own broker user (broker-setup.ts). Safe to run again.
 * Usage: npm run db:setup   (reads the same environment variables as the apps, plus DbSetupConfig)
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
import { setUpBroker } from './broker-setup';
import { DbSetupConfig } from './db-setup.config';

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

/** The database an app's URL names, and the user and password it connects with. */
function accountOf(url: string) {
  const target = new URL(url);
  const account = {
    database: decodeURIComponent(target.pathname.slice(1)),
    user: decodeURIComponent(target.username),
    password: decodeURIComponent(target.password),
  };
  for (const [what, name] of [
    ['database', account.database],
    ['user', account.user],
  ]) {
    if (!/^[\w-]+$/.test(name)) throw new Error(`Refusing to create a ${what} named ${JSON.stringify(name)}`);
  }
  return account;
}

/**
 * The app's own role, which owns its database and everything in it, and nothing else: no
 * superuser, and no CONNECT for anyone else (PUBLIC has it by default). Objects an earlier setup
 * made as the administrator are handed over, so the app's migrations may alter them.
 */
async function setUpPostgres(adminUrl: string, appUrl: string): Promise<boolean> {
  const { database, user, password } = accountOf(appUrl);
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  let created = false;
  try {
    const role = admin.escapeIdentifier(user);
    const secret = password ? admin.escapeLiteral(password) : 'NULL';
    const { rows: roles } = await admin.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [user]);
    if (roles[0]?.rolsuper) throw new Error(`${database} would be used as ${user}, a superuser: give the app a user of its own in its URL`);
    const roleExists = roles.length > 0;
    const attributes = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${secret}`;
    await admin.query(`${roleExists ? 'ALTER' : 'CREATE'} ROLE ${role} ${attributes}`);
    const { rowCount: databaseExists } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    const name = admin.escapeIdentifier(database);
    if (databaseExists) await admin.query(`ALTER DATABASE ${name} OWNER TO ${role}`);
    else await admin.query(`CREATE DATABASE ${name} OWNER ${role}`);
    created = !databaseExists;
    await admin.query(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
  } finally {
    await admin.end();
  }
  const inDatabase = new Client({ connectionString: Object.assign(new URL(adminUrl), { pathname: `/${database}` }).toString() });
  await inDatabase.connect();
  try {
    const { rows } = await inDatabase.query<{ statement: string }>(
      `SELECT format('ALTER %s %I.%I OWNER TO %I', CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' WHEN c.relkind = 'v' THEN 'VIEW' ELSE 'TABLE' END,
                     n.nspname, c.relname, $1::text) AS statement
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v') AND pg_get_userbyid(c.relowner) <> $1
          -- a column's own sequence follows its table
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))
       UNION ALL
       SELECT format('ALTER TYPE %I.%I OWNER TO %I', n.nspname, t.typname, $1::text)
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' AND t.typtype = 'e' AND pg_get_userbyid(t.typowner) <> $1`,
      [user],
    );
    for (const { statement } of rows) await inDatabase.query(statement);
  } finally {
    await inDatabase.end();
  }
  return created;
}

/** The app's own MariaDB user, with every privilege on its database and none elsewhere. */
async function setUpMariaDb(adminUrl: string, appUrl: string): Promise<boolean> {
  const { database, user, password } = accountOf(appUrl.replace(/^mariadb:/, 'mysql:'));
  const admin = await createConnection(adminUrl.replace(/^mariadb:/, 'mysql:'));
  try {
    if (user === decodeURIComponent(new URL(adminUrl.replace(/^mariadb:/, 'mysql:')).username)) {
      throw new Error(`${database} would be used as ${user}, the administrator: give the app a user of its own in its URL`);
    }
    const [result] = await admin.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4`);
    const account = `${admin.escape(user)}@'%'`;
    await admin.query(`CREATE USER IF NOT EXISTS ${account}`);
    await admin.query(`ALTER USER ${account} IDENTIFIED BY ${admin.escape(password)}`);
    await admin.query(`GRANT ALL PRIVILEGES ON \`${database}\`.* TO ${account}`);
    return (result as { warningStatus: number }).warningStatus === 0;
  } finally {
    await admin.end();
  }
}

async function main() {
  const admin = validateConfig(DbSetupConfig)(process.env);
  for (const [index, database] of databases.entries()) {
    const step = `[${index + 1}/${databases.length + 1}] ${database.app}`;
    const created = database.url.startsWith('postgres')
      ? await setUpPostgres(admin.POSTGRES_ADMIN_URL, database.url)
      : await setUpMariaDb(admin.MARIADB_ADMIN_URL, database.url);
    const dataSource = new DataSource({
      ...(databaseOptions(database.url, database.entities, database.migrations) as DataSourceOptions),
      logging: ['error'],
    });
    await dataSource.initialize();
    try {
      const applied = await migrateUnderLock(dataSource);
      console.log(`${step}: database ${created ? 'created' : 'present'}, user ready, ${applied.length} migration(s) applied`);
    } finally {
      await dataSource.destroy();
    }
  }
  console.log(`[${databases.length + 1}/${databases.length + 1}] broker: ${await setUpBroker(process.env)}`);
}

main().catch((error: unknown) => {
  console.error(`db:setup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
